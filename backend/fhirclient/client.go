package fhirclient

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Defaults for the tunable fields of Client.
const (
	DefaultTimeout     = 60 * time.Second
	DefaultSlowTimeout = 2 * time.Minute
	DefaultMaxRetries  = 3
	DefaultRateWaits   = 4
	DefaultMaxBody     = 64 << 20
	DefaultMaxPages    = 10000
)

// Client talks to one practice's FHIR base with one patient's token.
//
// The exported fields may be changed after New and before the first request;
// a Client is safe for concurrent use once requests have started.
type Client struct {
	// Timeout bounds one request attempt, body included.
	Timeout time.Duration
	// SlowTimeout replaces Timeout for SlowTypes.
	SlowTimeout time.Duration
	// SlowTypes are the resource types that get SlowTimeout. healow's
	// DocumentReference search outlasted a 10 s timeout (HEALOW.md §3).
	SlowTypes map[string]bool
	// MaxRetries bounds the retries after a 5xx, a timeout or a network
	// error.
	MaxRetries int
	// RateWaits bounds the waits after a 429.
	RateWaits int
	// MaxBody bounds one response body, in bytes.
	MaxBody int64
	// MaxPages bounds the pages of one search.
	MaxPages int
	// Clock provides time and sleeping; tests replace it.
	Clock Clock
	// Log receives one debug line per request: type, page, status,
	// duration. nil means slog.Default().
	Log *slog.Logger

	base    *url.URL
	baseErr error
	code    string // last path segment of the base: the practice code
	hc      *http.Client
	token   func() string
	lim     Limiter

	// pauseMu guards pauseUntil: after a bare 429 every request waits
	// until healow's minute is over, not only the one that got it.
	pauseMu    sync.Mutex
	pauseUntil time.Time
}

// New returns a client for base, the practice's FHIR base without a
// trailing slash. base must be https, or plain http on a loopback address
// (the demo simulator); any other base makes every call fail with
// ErrInsecureBase. token is called before each request; lim, when not nil,
// is waited on before each request, retries and Binary reads included.
// Share one lim per practice between the login calls and every Client of
// that practice (NewHealowLimiter).
//
// hc should not set its own Timeout shorter than SlowTimeout, and its
// transport should keep as many idle connections per host as requests run
// at once (http.DefaultTransport keeps 2). Its redirect policy is replaced
// by one that follows redirects only within the base.
func New(base string, hc *http.Client, token func() string, lim Limiter) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := &Client{
		Timeout:     DefaultTimeout,
		SlowTimeout: DefaultSlowTimeout,
		SlowTypes:   map[string]bool{"DocumentReference": true, "Binary": true},
		MaxRetries:  DefaultMaxRetries,
		RateWaits:   DefaultRateWaits,
		MaxBody:     DefaultMaxBody,
		MaxPages:    DefaultMaxPages,
		Clock:       realClock{},
		token:       token,
		lim:         usable(lim),
	}
	c.base, c.baseErr = parseBase(base)
	if c.base != nil {
		c.code = c.base.Path[strings.LastIndex(c.base.Path, "/")+1:]
	}
	own := *hc
	own.CheckRedirect = c.checkRedirect
	c.hc = &own
	return c
}

func (c *Client) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.Default()
}

// Base returns the practice base the client was built with.
func (c *Client) Base() string {
	if c.base == nil {
		return ""
	}
	return c.base.String()
}

func parseBase(base string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: not an absolute URL", ErrInsecureBase)
	}
	if strings.Trim(u.Path, "/") == "" {
		return nil, fmt.Errorf("%w: no practice code in the path", ErrInsecureBase)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return nil, ErrInsecureBase
	}
	u.RawPath = ""
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// underBase reports whether u is the base or below it: the only URLs that
// get the token (HEALOW.md §4 step 9).
func (c *Client) underBase(u *url.URL) bool {
	if c.base == nil || u.Scheme != c.base.Scheme || u.Host != c.base.Host || u.User != nil {
		return false
	}
	p := u.EscapedPath()
	bp := c.base.EscapedPath()
	return p == bp || strings.HasPrefix(p, bp+"/")
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return fmt.Errorf("fhirclient: too many redirects")
	}
	if !c.underBase(req.URL) {
		return fmt.Errorf("%w: redirect leaves the base", ErrUnmappableLink)
	}
	return nil
}

// typeRE is what a resource type may look like; anything else could alter
// the request path.
var typeRE = regexp.MustCompile(`^[A-Z][A-Za-z]{0,63}$`)

// Read returns the resource typ/id exactly as received.
func (c *Client) Read(ctx context.Context, typ, id string) (json.RawMessage, error) {
	if !typeRE.MatchString(typ) {
		return nil, fmt.Errorf("%w: resource type", ErrBadRequest)
	}
	// url.PathEscape leaves dots alone, and "." or ".." would walk the path.
	if id == "" || id == "." || id == ".." || len(id) > 256 {
		return nil, fmt.Errorf("%w: resource id", ErrBadRequest)
	}
	if c.baseErr != nil {
		return nil, c.baseErr
	}
	u, err := url.Parse(c.base.String() + "/" + typ + "/" + url.PathEscape(id))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	a, err := c.get(ctx, u, call{typ: typ})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", typ, err)
	}
	body := a.body
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, fmt.Errorf("read %s: %w: %v", typ, ErrBadResponse, err)
	}
	if head.ResourceType != typ {
		return nil, fmt.Errorf("read %s: %w: got resourceType %q", typ, ErrBadResponse,
			clean(head.ResourceType))
	}
	return json.RawMessage(body), nil
}
