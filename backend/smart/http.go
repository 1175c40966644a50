package smart

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// defaultHTTPTimeout bounds every request when the caller's client has no
// timeout of its own.
const defaultHTTPTimeout = 30 * time.Second

// errRedirect is returned by CheckRedirect for a redirect that is refused.
var errRedirect = errors.New("smart: refused redirect")

// withPolicy returns a copy of hc (or a fresh client) that has a timeout and
// the given redirect policy. The caller's client is never modified.
func withPolicy(hc *http.Client, check func(*http.Request, []*http.Request) error) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	}
	if c.Timeout == 0 {
		c.Timeout = defaultHTTPTimeout
	}
	c.CheckRedirect = check
	return &c
}

// discoveryClient follows at most three redirects, and only to URLs that
// would pass as a base themselves: a discovery answer decides where the
// browser and the token request go, so it must not come over plain http.
func discoveryClient(hc *http.Client, base string) *http.Client {
	bu, _ := url.Parse(base)
	demo := isLoopbackHTTP(bu)
	return withPolicy(hc, func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return fmt.Errorf("%w: too many redirects", errRedirect)
		}
		if req.URL.Scheme != "https" && !(demo && isLoopbackHTTP(req.URL)) {
			return fmt.Errorf("%w: to %s", errRedirect, req.URL.Redacted())
		}
		return nil
	})
}

// strictClient follows no redirect at all. It is used for the token request
// (a 307 would resend the code and verifier elsewhere) and for the JWKS.
func strictClient(hc *http.Client) *http.Client {
	return withPolicy(hc, func(req *http.Request, _ []*http.Request) error {
		return fmt.Errorf("%w: to %s", errRedirect, req.URL.Redacted())
	})
}
