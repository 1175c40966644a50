package fhirclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Clock is the time source of a Client. Sleep returns early with the
// context's error when ctx ends.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Backoff after a retryable failure: base<<attempt, capped, half of it
// random. No backoff library is in go.mod, so this is a small loop.
const (
	backoffBase = 500 * time.Millisecond
	backoffCap  = 15 * time.Second
	// rateJitter spreads the retries of concurrent searches after a 429.
	rateJitter = 2 * time.Second
	// maxRetryAfter bounds a Retry-After header we honour.
	maxRetryAfter = 2 * time.Minute
)

// answer is one HTTP exchange reduced to what the client needs.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// get fetches u with the limiter, timeouts and retries. typ and page only
// label the log line.
func (c *Client) get(ctx context.Context, u *url.URL, typ string, page int) ([]byte, error) {
	if !c.underBase(u) {
		// Defence in depth: callers only build URLs under the base.
		return nil, ErrUnmappableLink
	}
	retries, waits := 0, 0
	for {
		a, err := c.once(ctx, u, typ, page)
		if err != nil {
			if !retryable(ctx, err) || retries >= c.MaxRetries {
				return nil, err
			}
			if err := c.Clock.Sleep(ctx, backoff(retries)); err != nil {
				return nil, err
			}
			retries++
			continue
		}
		delay, retry := c.decide(a, retries, waits)
		if !retry {
			return c.finish(a)
		}
		if a.status == http.StatusTooManyRequests {
			waits++
		} else {
			retries++
		}
		if err := c.Clock.Sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// decide says whether answer a is retried, and after how long.
func (c *Client) decide(a *answer, retries, waits int) (time.Duration, bool) {
	switch {
	case a.status == http.StatusTooManyRequests:
		if waits >= c.RateWaits {
			return 0, false
		}
		if d, ok := retryAfter(a.header, c.Clock.Now()); ok {
			return d, true
		}
		// healow sends a bare 429 and blocks until the minute ends
		// (HEALOW.md §1, rate limit).
		return untilNextMinute(c.Clock.Now()) + jitter(rateJitter), true
	case a.status >= 500 && a.status != http.StatusNotImplemented:
		if retries >= c.MaxRetries {
			return 0, false
		}
		if d, ok := retryAfter(a.header, c.Clock.Now()); ok {
			return d, true
		}
		return backoff(retries), true
	}
	return 0, false
}

// finish turns a final answer into a body or an error.
func (c *Client) finish(a *answer) ([]byte, error) {
	if a.status < 200 || a.status > 299 {
		return nil, &StatusError{Status: a.status, Diagnostics: parseDiagnostics(a.body)}
	}
	if err := checkContentType(a.header.Get("Content-Type")); err != nil {
		return nil, err
	}
	return a.body, nil
}

// once makes one attempt, reading the whole body within the timeout.
func (c *Client) once(ctx context.Context, u *url.URL, typ string, page int) (*answer, error) {
	if c.lim != nil {
		if err := c.lim.Wait(ctx); err != nil {
			return nil, fmt.Errorf("fhirclient: rate limiter: %w", err)
		}
	}
	timeout := c.Timeout
	if c.SlowTypes[typ] {
		timeout = c.SlowTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	req.Header.Set("Accept", "application/json+fhir")
	if tok := c.token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}

	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.log().Debug("fhir request failed", "type", typ, "page", page,
			"duration", time.Since(start))
		// The url.Error would repeat the URL with its query; keep the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("fhirclient: %s request: %w", typ, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.MaxBody+1))
	c.log().Debug("fhir request", "type", typ, "page", page, "status", resp.StatusCode,
		"duration", time.Since(start))
	if err != nil {
		return nil, fmt.Errorf("fhirclient: %s response: %w", typ, err)
	}
	if int64(len(body)) > c.MaxBody {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.MaxBody)
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// retryable reports whether a transport error may go away on its own.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &cv), errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci):
		return false
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrBadRequest),
		errors.Is(err, ErrUnmappableLink):
		return false
	}
	return true
}

func checkContentType(ct string) error {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrContentType, clean(ct))
	}
	switch mt {
	case "application/json", "application/fhir+json", "application/json+fhir":
		return nil
	}
	return fmt.Errorf("%w: %q", ErrContentType, clean(mt))
}

func backoff(attempt int) time.Duration {
	d := backoffBase << min(attempt, 10)
	d = min(d, backoffCap)
	return d/2 + jitter(d/2)
}

func jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return rand.N(max)
}

// untilNextMinute is the time left in now's wall-clock minute.
func untilNextMinute(now time.Time) time.Duration {
	return now.Truncate(time.Minute).Add(time.Minute).Sub(now)
}

// retryAfter parses a Retry-After header (seconds or HTTP date) within
// maxRetryAfter.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		d := time.Duration(s) * time.Second
		return d, d <= maxRetryAfter
	}
	if t, err := http.ParseTime(v); err == nil {
		d := max(t.Sub(now), 0)
		return d, d <= maxRetryAfter
	}
	return 0, false
}
