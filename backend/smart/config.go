package smart

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxDiscoveryBytes bounds the smart-configuration body. healow's is about
// 20 KB because it lists 486 scopes (HEALOW.md §1).
const maxDiscoveryBytes = 1 << 20

// ErrBadBase reports a practice base URL that is not usable: not https (or
// http on a loopback address, for the demo), or carrying a query, fragment
// or user info.
var ErrBadBase = errors.New("smart: unusable practice base URL")

// ErrNotActivated reports a practice whose FHIR base has no
// smart-configuration (HTTP 400, 403, 404 or 410). Practices must switch
// patient API access on; one that has not fails its logins (HEALOW.md §1).
var ErrNotActivated = errors.New("smart: the practice has not enabled patient API access")

// ErrRateLimited reports a 429 answer. healow sends no Retry-After and
// blocks the practice until the wall-clock minute ends (HEALOW.md §1).
var ErrRateLimited = errors.New("smart: healow's request limit was reached")

// ErrBadConfiguration reports a smart-configuration document that is
// missing an endpoint, names an endpoint that is not https, or does not
// offer PKCE S256.
var ErrBadConfiguration = errors.New("smart: unusable smart-configuration")

// Configuration is the part of a practice's smart-configuration document
// that the launch needs. It is filled from an untrusted answer; Discover
// validates it before returning it.
type Configuration struct {
	Issuer                        string   `json:"issuer"`
	AuthorizationEndpoint         string   `json:"authorization_endpoint"`
	TokenEndpoint                 string   `json:"token_endpoint"`
	JWKSURI                       string   `json:"jwks_uri"`
	ScopesSupported               []string `json:"scopes_supported"`
	Capabilities                  []string `json:"capabilities"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	// TokenEndpointAuthMethods is informational only: healow omits "none"
	// although it supports public clients (HEALOW.md §1), so it is never
	// used to refuse the flow.
	TokenEndpointAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
}

// NormalizeBase checks a practice FHIR base URL and returns it without its
// trailing slash. healow answers 403 at authorize when aud carries one
// (HEALOW.md §1). The base must be https, except http on a loopback IP
// address, which the demo simulator uses.
func NormalizeBase(base string) (string, error) {
	base = strings.TrimSuffix(strings.TrimSpace(base), "/")
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadBase, err)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%w: %q", ErrBadBase, base)
	}
	if u.Scheme != "https" && !isLoopbackHTTP(u) {
		return "", fmt.Errorf("%w: %q is not https", ErrBadBase, base)
	}
	return base, nil
}

// isLoopbackHTTP reports whether u is plain http to a loopback IP address.
func isLoopbackHTTP(u *url.URL) bool {
	if u.Scheme != "http" {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// Discover fetches and validates {base}/.well-known/smart-configuration.
// It never tries OpenID Connect discovery: healow has none (HEALOW.md §1).
// base must already be normalized (see NormalizeBase).
func Discover(ctx context.Context, hc *http.Client, base string) (*Configuration, error) {
	nb, err := NormalizeBase(base)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		nb+"/.well-known/smart-configuration", nil)
	if err != nil {
		return nil, fmt.Errorf("smart: discovery request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := discoveryClient(hc, nb).Do(req)
	if err != nil {
		return nil, fmt.Errorf("smart: discovery: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusGone:
		return nil, fmt.Errorf("%w: discovery answered HTTP %d", ErrNotActivated, resp.StatusCode)
	case http.StatusTooManyRequests:
		return nil, fmt.Errorf("%w: discovery answered HTTP 429", ErrRateLimited)
	default:
		return nil, fmt.Errorf("smart: discovery answered HTTP %d", resp.StatusCode)
	}
	if !isJSON(resp.Header.Get("Content-Type")) {
		return nil, fmt.Errorf("%w: content type %q", ErrBadConfiguration,
			resp.Header.Get("Content-Type"))
	}
	return decodeConfiguration(resp.Body, nb)
}

// decodeConfiguration reads a bounded smart-configuration body and
// validates it against the practice base it came from.
func decodeConfiguration(r io.Reader, base string) (*Configuration, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxDiscoveryBytes+1))
	if err != nil {
		return nil, fmt.Errorf("smart: discovery body: %w", err)
	}
	if len(body) > maxDiscoveryBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadConfiguration, maxDiscoveryBytes)
	}
	var cfg Configuration
	if err := json.Unmarshal(body, &cfg); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadConfiguration, err)
	}
	if err := cfg.validate(base); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// validate checks the endpoints and PKCE support. Endpoints must be https;
// when the base itself is http loopback (the demo), http loopback endpoints
// are accepted too.
func (c *Configuration) validate(base string) error {
	bu, _ := url.Parse(base)
	demo := isLoopbackHTTP(bu)
	check := func(name, raw string, required bool) error {
		if raw == "" && !required {
			return nil
		}
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
			return fmt.Errorf("%w: %s %q", ErrBadConfiguration, name, raw)
		}
		if u.Scheme != "https" && !(demo && isLoopbackHTTP(u)) {
			return fmt.Errorf("%w: %s %q is not https", ErrBadConfiguration, name, raw)
		}
		return nil
	}
	if c.Issuer == "" {
		return fmt.Errorf("%w: no issuer", ErrBadConfiguration)
	}
	for _, e := range []struct {
		name, raw string
		required  bool
	}{
		{"authorization_endpoint", c.AuthorizationEndpoint, true},
		{"token_endpoint", c.TokenEndpoint, true},
		{"jwks_uri", c.JWKSURI, false},
	} {
		if err := check(e.name, e.raw, e.required); err != nil {
			return err
		}
	}
	if !slices.Contains(c.CodeChallengeMethodsSupported, "S256") {
		return fmt.Errorf("%w: PKCE S256 not offered", ErrBadConfiguration)
	}
	return nil
}

// isJSON accepts the JSON media types healow uses (HEALOW.md §3), with
// parameters, and an absent Content-Type.
func isJSON(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/json", "application/fhir+json", "application/json+fhir":
		return true
	}
	return false
}
