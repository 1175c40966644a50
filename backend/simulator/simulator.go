// Package simulator is a local stand-in for eClinicalWorks' healow SMART on
// FHIR R4 service, as strict and as quirky as HEALOW.md describes it: the
// practice directory, per-practice SMART discovery, the shared OAuth server
// (authorize, login, consent, token, JWKS) and each practice's FHIR API.
//
// Tests run it in-process with New and Start; cmd/healowsim runs it on its
// own. It serves HTTPS with a certificate from a CA it generates at start
// (Client trusts it); only Demo mode adds a plain HTTP loopback listener.
//
// It is a test double, not a security boundary: tokens, codes and sessions
// live in memory and are never persisted. It never logs a token, a code, a
// query string, a body or resource content.
package simulator

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Defaults applied by New to zero Options fields.
const (
	DefaultTokenTTL    = time.Hour
	DefaultCodeTTL     = 60 * time.Second
	DefaultRateLimit   = 250
	DefaultPageSize    = 50
	DefaultMaxPageSize = 100
	// DefaultLinkHost is where healow's Bundle links point: plain http on a
	// host the client did not call (HEALOW.md §3).
	DefaultLinkHost = "fhir4.eclinicalworks.com"

	sessionTTL  = 10 * time.Minute
	pageSetTTL  = 30 * time.Minute
	defaultAddr = "127.0.0.1:0"
)

// Sentinel errors returned by New and the registration methods.
var (
	ErrStarted         = errors.New("simulator: already started")
	ErrNotLoopback     = errors.New("simulator: demo HTTP address must be loopback")
	ErrUnknownPractice = errors.New("simulator: unknown practice")
	ErrDuplicate       = errors.New("simulator: already registered")
	ErrRedirectURI     = errors.New("simulator: redirect URI not acceptable")
)

// Practice is one tenant: a practice code with its directory display data.
// Codes are used as written; like healow the simulator does not check their
// shape (HEALOW.md §2).
type Practice struct {
	Code, Name, City, State string
}

// FHIRUserForm selects how the id_token's fhirUser claim is written.
type FHIRUserForm int

// fhirUser forms: HEALOW.md §1 reports both relative and absolute
// Patient references; RelatedPerson models a proxy (caregiver) account.
const (
	FHIRUserRelative      FHIRUserForm = iota // "Patient/{id}"
	FHIRUserAbsolute                          // "{base}/Patient/{id}"
	FHIRUserRelatedPerson                     // "RelatedPerson/{id}", a proxy login
)

// Options configure a Server. The zero value is a strict HTTPS simulator on
// a random loopback port with healow's defaults.
type Options struct {
	// Addr is the primary listener, "127.0.0.1:0" when empty. It serves
	// HTTPS, or plain HTTP in Demo mode, where it must be a loopback address.
	Addr string
	// TLSAddr is the HTTPS listener in Demo mode ("127.0.0.1:0" when empty).
	// It is ignored without Demo.
	TLSAddr string
	// Demo makes the primary listener plain HTTP on loopback, so that a
	// browser can log in without a certificate warning, and lets clients
	// register http://127.0.0.1:<port>/... (or localhost) redirect URIs.
	// Login pages then show the practice's credentials. Never use it for
	// anything but a local demonstration or a test.
	Demo bool
	// Hosts are extra DNS names or IP addresses for the server certificate,
	// on top of 127.0.0.1, ::1 and localhost.
	Hosts []string

	// TokenTTL is the access token lifetime (DefaultTokenTTL when zero); it
	// is reported in whole seconds, at least one.
	TokenTTL time.Duration
	// CodeTTL is the authorization code lifetime (DefaultCodeTTL when zero).
	CodeTTL time.Duration
	// RateLimit is requests per wall-clock minute per practice: 0 means
	// DefaultRateLimit, a negative value turns limiting off.
	RateLimit int
	// Latency is added before every request is handled (benchmarks).
	Latency time.Duration
	// PageSize is the _count used when a search has none
	// (DefaultPageSize when zero).
	PageSize int
	// MaxPageSize caps _count (DefaultMaxPageSize when zero).
	MaxPageSize int
	// LinkHost is the host of every Bundle link and fullUrl, always over
	// plain http (DefaultLinkHost when empty).
	LinkHost string

	// ClientID, RedirectURI and Scopes register one client at New, as
	// RegisterClient would, when ClientID is set.
	ClientID, RedirectURI string
	Scopes                []string
	// Practices are added at New, after the built-in directory entries.
	Practices []Practice

	// Issuer overrides the id_token iss claim; empty means the practice
	// base, the smart-configuration issuer (HEALOW.md §5 open question).
	Issuer string
	// FHIRUser selects the form of the fhirUser claim.
	FHIRUser FHIRUserForm
	// OmitPatient leaves "patient" out of the token response, so clients
	// must fall back to fhirUser (HEALOW.md §1: not confirmed).
	OmitPatient bool
	// WithholdScopes are removed from every grant even when requested and
	// registered, so the granted scope is narrower than the request.
	WithholdScopes []string
	// DropUnlistedScopes grants a request that asks for scopes missing
	// from scopes_supported (patient/Binary.read) without them, instead of
	// refusing it with invalid_grant (HEALOW.md §5 open question).
	DropUnlistedScopes bool
	// SwappedErrors writes token errors in the real-world swapped form
	// {"error":"<status>","error_description":"<code>"} (HEALOW.md §1).
	SwappedErrors bool
	// DenyWith500 answers a consent denial with HTTP 500 and a JSON
	// access_denied error instead of redirecting (HEALOW.md §1 documents
	// access_denied with HTTP 500).
	DenyWith500 bool
	// RefuseLocalhostRedirect refuses https redirect URIs on localhost or
	// loopback addresses at registration, as the portal reportedly does.
	RefuseLocalhostRedirect bool

	// Logger receives one line per request; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock for tokens, codes and rate windows; nil means
	// time.Now. Certificates always use the real clock.
	Now func() time.Time
}

// Server is a running healow simulator. Its methods are safe for
// concurrent use.
type Server struct {
	opts   Options
	log    *slog.Logger
	ca     *authority
	keys   *keyRing
	faults *Faults
	limit  *limiter
	stats  *counters

	primary, secure       net.Listener
	primarySrv, secureSrv *http.Server
	url, tlsURL           string

	mu        sync.Mutex
	started   bool
	practices map[string]*practice
	order     []string
	clients   map[string]*client
	sessions  map[string]*session
	codes     map[string]*authCode
	tokens    map[string]*accessToken
	pages     map[string]*pageSet
}

// New generates the CA, the server certificate and the signing key, binds
// the listeners and registers the built-in directory entries, the Options'
// practices and the Options' client. Requests are served after Start.
func New(opts Options) (*Server, error) {
	opts = withDefaults(opts)
	ca, err := newAuthority(opts.Hosts)
	if err != nil {
		return nil, err
	}
	keys, err := newKeyRing()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts: opts, log: opts.Logger, ca: ca, keys: keys,
		faults: newFaults(), limit: newLimiter(opts.RateLimit), stats: newCounters(),
		practices: map[string]*practice{}, clients: map[string]*client{},
		sessions: map[string]*session{}, codes: map[string]*authCode{},
		tokens: map[string]*accessToken{}, pages: map[string]*pageSet{},
	}
	if err := s.populate(); err != nil {
		return nil, err
	}
	if err := s.listen(); err != nil {
		return nil, err
	}
	return s, nil
}

func withDefaults(o Options) Options {
	if o.Addr == "" {
		o.Addr = defaultAddr
	}
	if o.TLSAddr == "" {
		o.TLSAddr = defaultAddr
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	if o.CodeTTL <= 0 {
		o.CodeTTL = DefaultCodeTTL
	}
	if o.RateLimit == 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.MaxPageSize <= 0 {
		o.MaxPageSize = DefaultMaxPageSize
	}
	o.PageSize = min(o.PageSize, o.MaxPageSize)
	if o.LinkHost == "" {
		o.LinkHost = DefaultLinkHost
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// populate registers the dirty directory entries, then the Options'
// practices and client.
func (s *Server) populate() error {
	for _, p := range builtinPractices() {
		if err := s.AddPractice(p.Code, p.Name, p.City, p.State); err != nil {
			return err
		}
	}
	for _, p := range s.opts.Practices {
		if err := s.AddPractice(p.Code, p.Name, p.City, p.State); err != nil {
			return err
		}
	}
	if s.opts.ClientID == "" {
		return nil
	}
	return s.RegisterClient(s.opts.ClientID, s.opts.RedirectURI, s.opts.Scopes)
}

func (s *Server) listen() error {
	if !s.opts.Demo {
		ln, err := net.Listen("tcp", s.opts.Addr)
		if err != nil {
			return fmt.Errorf("simulator: listen %s: %w", s.opts.Addr, err)
		}
		s.secure, s.tlsURL = ln, "https://"+ln.Addr().String()
		s.url = s.tlsURL
		return nil
	}
	if !isLoopbackAddr(s.opts.Addr) {
		return fmt.Errorf("%w: %q", ErrNotLoopback, s.opts.Addr)
	}
	plain, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("simulator: listen %s: %w", s.opts.Addr, err)
	}
	ln, err := net.Listen("tcp", s.opts.TLSAddr)
	if err != nil {
		plain.Close()
		return fmt.Errorf("simulator: listen %s: %w", s.opts.TLSAddr, err)
	}
	s.primary, s.url = plain, "http://"+plain.Addr().String()
	s.secure, s.tlsURL = ln, "https://"+ln.Addr().String()
	return nil
}

func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Start serves the bound listeners in the background and returns at once.
// It fails with ErrStarted when called twice.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return ErrStarted
	}
	s.started = true
	s.secureSrv = s.httpServer(s.tlsURL)
	s.secureSrv.TLSConfig = s.ca.serverConfig()
	go s.serve(s.secureSrv, tls.NewListener(s.secure, s.secureSrv.TLSConfig))
	if s.primary != nil {
		s.primarySrv = s.httpServer(s.url)
		go s.serve(s.primarySrv, s.primary)
	}
	return nil
}

func (s *Server) httpServer(origin string) *http.Server {
	return &http.Server{
		Handler:           s.handler(origin),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

func (s *Server) serve(srv *http.Server, ln net.Listener) {
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Error("simulator: serve", "err", err)
	}
}

// Close stops the listeners at once, dropping requests in flight.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, srv := range []*http.Server{s.primarySrv, s.secureSrv} {
		if srv != nil {
			errs = append(errs, srv.Close())
		}
	}
	if !s.started {
		errs = append(errs, s.secure.Close())
		if s.primary != nil {
			errs = append(errs, s.primary.Close())
		}
	}
	return errors.Join(errs...)
}

// URL is the server's primary origin without a trailing slash: https, or
// plain http in Demo mode. Practice bases are URL()+"/fhir/r4/"+code.
func (s *Server) URL() string { return s.url }

// TLSURL is the HTTPS origin; it equals URL() outside Demo mode.
func (s *Server) TLSURL() string { return s.tlsURL }

// Base is the FHIR base of a practice on the primary origin.
func (s *Server) Base(practiceCode string) string {
	return s.url + "/fhir/r4/" + practiceCode
}

// DirectoryURL is the practice directory on the primary origin.
func (s *Server) DirectoryURL() string { return s.url + pathDirectory }

// CACertPEM is the PEM-encoded certificate of the CA that signed the
// server certificate.
func (s *Server) CACertPEM() []byte { return append([]byte(nil), s.ca.certPEM...) }

// Client returns an HTTP client that trusts the simulator's CA and no
// other root. It follows redirects like http.DefaultClient.
func (s *Server) Client() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: s.ca.pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// Faults returns the failure-injection switches.
func (s *Server) Faults() *Faults { return s.faults }

// ExpireTokens makes every access token issued so far invalid; later ones
// are unaffected. It is Faults().ExpireTokens().
func (s *Server) ExpireTokens() { s.faults.ExpireTokens() }

// Requests returns a copy of the request counters, by Kind.
func (s *Server) Requests() map[string]int { return s.stats.snapshot() }

func (s *Server) now() time.Time { return s.opts.Now() }

type ctxKey struct{}

// origin is the scheme and host of the listener a request came in on;
// every URL the simulator writes is built from it, so that the plain and
// the TLS listener each describe themselves consistently.
func origin(r *http.Request) string {
	o, _ := r.Context().Value(ctxKey{}).(string)
	return o
}

func withOrigin(ctx context.Context, o string) context.Context {
	return context.WithValue(ctx, ctxKey{}, o)
}
