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

// call describes one GET: what labels its log line and picks its timeout
// (typ, page), and how its answer is taken.
type call struct {
	typ  string
	page int
	// accept replaces the usual Accept header when set.
	accept string
	// maxBody replaces Client.MaxBody when above zero.
	maxBody int64
	// anyType accepts a successful answer of any content type (Binary).
	anyType bool
}

// get fetches u with the limiter, timeouts and retries, and returns the
// final 2xx answer.
func (c *Client) get(ctx context.Context, u *url.URL, k call) (*answer, error) {
	if !c.underBase(u) {
		// Defence in depth: callers only build URLs under the base.
		return nil, ErrUnmappableLink
	}
	retries, waits := 0, 0
	for {
		a, err := c.once(ctx, u, k)
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
			return c.finish(a, k)
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
		now := c.Clock.Now()
		d, told := retryAfter(a.header, now)
		if !told {
			// healow sends a bare 429 and blocks until the minute ends
			// (HEALOW.md §1, rate limit).
			d = untilNextMinute(now)
		}
		c.pause(now.Add(d))
		switch {
		case waits >= c.RateWaits:
			return 0, false
		case told:
			return d, true
		}
		return d + jitter(rateJitter), true
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

// pause holds every later request of the client until t: past healow's
// limit, any request sent before the minute ends only gets another 429.
func (c *Client) pause(t time.Time) {
	c.pauseMu.Lock()
	defer c.pauseMu.Unlock()
	if t.After(c.pauseUntil) {
		c.pauseUntil = t
	}
}

// waitPause sleeps out a pause set by a 429, plus jitter so that the
// waiting requests do not all land at once.
func (c *Client) waitPause(ctx context.Context) error {
	c.pauseMu.Lock()
	until := c.pauseUntil
	c.pauseMu.Unlock()
	if d := until.Sub(c.Clock.Now()); d > 0 {
		return c.Clock.Sleep(ctx, d+jitter(rateJitter))
	}
	return nil
}

// finish turns a final answer into itself or an error.
func (c *Client) finish(a *answer, k call) (*answer, error) {
	if a.status < 200 || a.status > 299 {
		return nil, &StatusError{Status: a.status, Diagnostics: parseDiagnostics(a.body)}
	}
	if !k.anyType {
		if err := checkContentType(a.header.Get("Content-Type")); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// once makes one attempt, reading the whole body within the timeout.
func (c *Client) once(ctx context.Context, u *url.URL, k call) (*answer, error) {
	if err := c.waitPause(ctx); err != nil {
		return nil, err
	}
	if c.lim != nil {
		if err := c.lim.Wait(ctx); err != nil {
			return nil, fmt.Errorf("fhirclient: rate limiter: %w", err)
		}
	}
	timeout := c.Timeout
	if c.SlowTypes[k.typ] {
		timeout = c.SlowTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	accept := "application/json+fhir"
	if k.accept != "" {
		accept = k.accept
	}
	req.Header.Set("Accept", accept)
	if tok := c.token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}

	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.log().Debug("fhir request failed", "type", k.typ, "page", k.page,
			"duration", time.Since(start))
		// The url.Error would repeat the URL with its query; keep the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("fhirclient: %s request: %w", k.typ, err)
	}
	defer resp.Body.Close()
	limit := c.MaxBody
	if k.maxBody > 0 {
		limit = k.maxBody
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	c.log().Debug("fhir request", "type", k.typ, "page", k.page, "status", resp.StatusCode,
		"duration", time.Since(start))
	if err != nil {
		return nil, fmt.Errorf("fhirclient: %s response: %w", k.typ, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
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
