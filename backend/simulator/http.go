package simulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Paths of the shared OAuth server and the directory (HEALOW.md §1, §2).
const (
	pathDirectory = "/apps/api/v1/fhir/activated_clinical_endpoints"
	pathAuthorize = "/oauth/oauth2/authorize"
	pathLogin     = "/oauth/oauth2/login"
	pathConsent   = "/oauth/oauth2/consent"
	pathToken     = "/oauth/oauth2/token"
	pathJWKS      = "/oauth/oauth2/jwks"
	fhirPrefix    = "/fhir/r4/"
	openIDSuffix  = "/.well-known/openid-configuration"
	smartConfig   = ".well-known/smart-configuration"
)

// Kinds of request counted by Requests.
const (
	KindDirectory = "directory"
	KindSMART     = "smart-configuration"
	KindOpenID    = "openid-configuration"
	KindMetadata  = "metadata"
	KindAuthorize = "authorize"
	KindLogin     = "login"
	KindConsent   = "consent"
	KindToken     = "token"
	KindJWKS      = "jwks"
	KindRead      = "read"
	KindSearch    = "search"
	KindPage      = "page"
	KindOther     = "other"
	// KindThrottled counts answers with status 429, on top of their kind.
	KindThrottled = "throttled"
)

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathDirectory, s.serveDirectory)
	mux.HandleFunc(pathAuthorize, s.serveAuthorize)
	mux.HandleFunc("POST "+pathLogin, s.serveLogin)
	mux.HandleFunc("POST "+pathConsent, s.serveConsent)
	mux.HandleFunc(pathToken, s.serveToken)
	mux.HandleFunc("GET "+pathJWKS, s.serveJWKS)
	mux.HandleFunc(fhirPrefix+"{code}", s.serveFHIR)
	mux.HandleFunc(fhirPrefix+"{code}/{rest...}", s.serveFHIR)
	return mux
}

// handler wraps the routes with the origin of the listener, the added
// latency, the counters and the request log.
func (s *Server) handler(o string) http.Handler {
	mux := s.routes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r = r.WithContext(withOrigin(r.Context(), o))
		sw := &statusWriter{ResponseWriter: w}
		kind := kindOf(r)
		s.stats.add(kind)
		if s.delay(r) {
			// There is no OIDC discovery anywhere (HEALOW.md §1).
			if strings.HasSuffix(r.URL.Path, openIDSuffix) {
				http.NotFound(sw, r)
			} else {
				mux.ServeHTTP(sw, r)
			}
		}
		if sw.status == http.StatusTooManyRequests {
			s.stats.add(KindThrottled)
		}
		// Path only: queries carry codes, states and tokens.
		s.log.Info("healowsim request", "method", r.Method, "path", r.URL.Path,
			"kind", kind, "status", sw.code(), "duration", time.Since(start))
	})
}

// delay waits Options.Latency; it reports false when the client went away.
func (s *Server) delay(r *http.Request) bool {
	if s.opts.Latency <= 0 {
		return true
	}
	t := time.NewTimer(s.opts.Latency)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func kindOf(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.HasSuffix(p, openIDSuffix):
		return KindOpenID
	case p == pathDirectory:
		return KindDirectory
	case p == pathAuthorize:
		return KindAuthorize
	case p == pathLogin:
		return KindLogin
	case p == pathConsent:
		return KindConsent
	case p == pathToken:
		return KindToken
	case p == pathJWKS:
		return KindJWKS
	case strings.HasPrefix(p, fhirPrefix):
		return fhirKind(r)
	}
	return KindOther
}

func fhirKind(r *http.Request) string {
	rest := strings.TrimPrefix(r.URL.Path, fhirPrefix)
	_, rest, _ = strings.Cut(rest, "/")
	switch {
	case rest == smartConfig:
		return KindSMART
	case rest == "metadata":
		return KindMetadata
	case r.URL.Query().Has("_getpages"):
		return KindPage
	case rest == "":
		return KindOther
	case !strings.Contains(rest, "/"):
		return KindSearch
	case strings.Count(rest, "/") == 1:
		return KindRead
	}
	return KindOther
}

// admit applies the forced 429 bursts and the per-practice rate limit; it
// writes the bare 429 itself: no Retry-After, no body (HEALOW.md §1).
func (s *Server) admit(w http.ResponseWriter, code string) bool {
	if s.faults.take429() || !s.limit.allow(code, s.now()) {
		w.WriteHeader(http.StatusTooManyRequests)
		return false
	}
	return true
}

// limiter counts requests per practice in fixed windows aligned to the
// wall-clock minute.
type limiter struct {
	mu    sync.Mutex
	limit int
	win   map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(limit int) *limiter {
	return &limiter{limit: limit, win: map[string]*window{}}
}

func (l *limiter) allow(code string, now time.Time) bool {
	if l.limit < 0 {
		return true
	}
	start := now.Truncate(time.Minute)
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.win[code]
	if w == nil {
		w = &window{}
		l.win[code] = w
	}
	if !w.start.Equal(start) {
		w.start, w.n = start, 0
	}
	w.n++
	return w.n <= l.limit
}

type counters struct {
	mu sync.Mutex
	n  map[string]int
}

func newCounters() *counters { return &counters{n: map[string]int{}} }

func (c *counters) add(kind string) {
	c.mu.Lock()
	c.n[kind]++
	c.mu.Unlock()
}

func (c *counters) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// writeJSON writes v without HTML escaping, as HAPI does: a resource in a
// searchset Bundle then carries the very bytes a read of it returns.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func (s *Server) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	b, err := s.keys.jwks()
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(b)
}
