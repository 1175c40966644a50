package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"chartkeep/backend/simulator"
	"chartkeep/backend/vault"
)

// setupHost is a real (non-demo) App whose public URL the test points at
// stand-ins for the user's tunnel. Its HTTP client trusts the test servers'
// certificate, as a system would trust ngrok's.
func setupHost(t *testing.T) *App {
	t.Helper()
	trusted := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(trusted.Close)
	pool := x509.NewCertPool()
	pool.AddCert(trusted.Certificate())
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	s := Settings{ClientID: "my-app", PublicURL: "https://example.invalid",
		CallbackPort: freePort(t)}
	h := NewHost(Options{DataDir: t.TempDir(), Vault: vault.NewMemory(0),
		HTTPClient: &http.Client{Transport: tr}, Settings: &s, Emit: func(string, any) {},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(t, h.Start(context.Background()))
	t.Cleanup(h.Close)
	return h.app
}

func tlsServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// tunnelTo is a TLS reverse proxy to addr, like ngrok pointed at a port.
func tunnelTo(t *testing.T, addr string, seen *atomic.Value) string {
	t.Helper()
	target := &url.URL{Scheme: "http", Host: addr}
	proxy := httputil.NewSingleHostReverseProxy(target)
	return tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("ngrok-skip-browser-warning"))
		proxy.ServeHTTP(w, r)
	})
}

func closedPortURL(t *testing.T) string {
	t.Helper()
	return fmt.Sprintf("https://127.0.0.1:%d", freePort(t))
}

func TestCheckSetupPing(t *testing.T) {
	t.Parallel()
	a := setupHost(t)
	port := a.callbackPort(a.currentSettings())
	var header atomic.Value
	answer := func(status int, h http.Header, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for k, v := range h {
				w.Header()[k] = v
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
	}
	cases := []struct {
		name      string
		url       func() string
		untrusted bool
		ok        bool
		detail    string
		advice    string
	}{
		{name: "reaches this app", ok: true,
			url:    func() string { return tunnelTo(t, a.cb.Addr(), &header) },
			detail: "reaches this copy of Chartkeep"},
		{name: "nothing listening", url: func() string { return closedPortURL(t) },
			detail: "Nothing is listening", advice: fmt.Sprintf("127.0.0.1:%d", port)},
		{name: "tunnel up, wrong port", url: func() string {
			return tlsServer(t, answer(502, nil, "Bad gateway"))
		}, detail: "could not reach Chartkeep (HTTP 502)",
			advice: fmt.Sprintf("must forward to 127.0.0.1:%d", port)},
		{name: "ngrok upstream error", url: func() string {
			return tlsServer(t, answer(200, http.Header{"Ngrok-Error-Code": {"ERR_NGROK_8012"}},
				"<html>Traffic was successfully tunneled but the agent failed</html>"))
		}, detail: "could not reach Chartkeep", advice: fmt.Sprintf("127.0.0.1:%d", port)},
		{name: "ngrok endpoint offline", url: func() string {
			return tlsServer(t, answer(404, nil, "<html>ERR_NGROK_3200 The endpoint is offline</html>"))
		}, detail: "is not running", advice: "ngrok http --url="},
		{name: "cloudflare tunnel down", url: func() string {
			return tlsServer(t, answer(530, nil, "Error 1033"))
		}, detail: "is not running", advice: "cloudflared tunnel run"},
		{name: "ngrok browser interstitial", url: func() string {
			return tlsServer(t, answer(200, http.Header{"Content-Type": {"text/html"}},
				"<html><title>ngrok</title>You are about to visit this site</html>"))
		}, detail: "\"You are about to visit\"", advice: "click Visit Site"},
		{name: "untrusted certificate", untrusted: true,
			url:    func() string { return tlsServer(t, answer(200, nil, "x")) },
			detail: "certificate of 127.0.0.1", advice: "date and time"},
		{name: "timeout", url: func() string {
			return tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(3 * time.Second):
				}
			})
		}, detail: "did not answer within 300ms", advice: "tunnel is running"},
		{name: "another Chartkeep", url: func() string {
			return tlsServer(t, answer(200, nil, "chartkeep 00112233445566778899aabbccddeeff\n"))
		}, detail: "Another copy of Chartkeep", advice: fmt.Sprintf("127.0.0.1:%d", port)},
		{name: "another program", url: func() string {
			return tlsServer(t, answer(404, nil, "Cannot GET /healow/ping"))
		}, detail: "Another program answers", advice: fmt.Sprintf("127.0.0.1:%d", port)},
		{name: "redirect elsewhere", url: func() string {
			return tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "https://login.example/", http.StatusFound)
			})
		}, detail: "Another program answers", advice: "must forward"},
	}
	a.pingTTL = 300 * time.Millisecond
	trusted := a.opts.HTTPClient
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a.opts.HTTPClient = trusted
			if tc.untrusted {
				a.opts.HTTPClient = nil // the system's roots only
			}
			a.mu.Lock()
			a.settings.PublicURL = tc.url()
			a.mu.Unlock()
			r, err := a.CheckSetup()
			must(t, err)
			c := r.Checks[len(r.Checks)-1]
			if c.ID != checkPing || c.OK != tc.ok || r.OK != tc.ok {
				t.Fatalf("ping check = %+v (report ok %v), want ok %v", c, r.OK, tc.ok)
			}
			if !strings.Contains(c.Detail, tc.detail) || !strings.Contains(c.Advice, tc.advice) {
				t.Errorf("ping check = %+v\nwant detail with %q, advice with %q", c, tc.detail, tc.advice)
			}
		})
	}
	if header.Load() != "1" {
		t.Error("the ping did not send ngrok-skip-browser-warning")
	}
}

func TestCheckSetupPingDNSError(t *testing.T) {
	t.Parallel()
	err := &url.Error{Op: "Get", URL: "https://typo.ngrok-free.app/healow/ping",
		Err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "typo.ngrok-free.app"}}}
	c := classifyPing(pingInput{target: "https://typo.ngrok-free.app/healow/ping", port: 53682}, nil, err)
	if c.OK || !strings.Contains(c.Detail, "typo.ngrok-free.app could not be found") ||
		!strings.Contains(c.Advice, "typos") {
		t.Errorf("DNS failure = %+v", c)
	}
}

func TestCheckSetupSettings(t *testing.T) {
	t.Parallel()
	a := setupHost(t)
	cases := []struct {
		name      string
		clientID  string
		publicURL string
		failed    string // the ID of the first failed check
		advice    string
	}{
		{"no client ID", "", "https://me.ngrok-free.app", checkClientID, "client ID"},
		{"no public URL", "id", "", checkPublicURL, "tunnel"},
		{"http", "id", "http://me.ngrok-free.app", checkPublicURL, "only accepts https"},
		{"a path", "id", "https://me.ngrok-free.app/healow/callback", checkPublicURL,
			"no path or query"},
		{"a query", "id", "https://me.ngrok-free.app?x=1", checkPublicURL, "no path or query"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a.mu.Lock()
			a.settings.ClientID, a.settings.PublicURL = tc.clientID, tc.publicURL
			a.mu.Unlock()
			r, _ := a.CheckSetup()
			var first *SetupCheck
			for i := range r.Checks {
				if !r.Checks[i].OK {
					first = &r.Checks[i]
					break
				}
			}
			if r.OK || first == nil || first.ID != tc.failed || !strings.Contains(first.Advice, tc.advice) {
				t.Fatalf("report = %+v, want %s to fail first with %q", r, tc.failed, tc.advice)
			}
			last := r.Checks[len(r.Checks)-1]
			if tc.failed == checkPublicURL && (last.ID != checkPing || last.OK ||
				!strings.Contains(last.Detail, "Not checked")) {
				t.Errorf("ping with a bad public URL = %+v, want not checked", last)
			}
		})
	}
}

func TestFirstLoginChecksSetup(t *testing.T) {
	t.Parallel()
	sh := startSimHost(t, simulator.Options{}, hostEdit{})
	good := sh.app.settings.PublicURL
	sh.app.settings.PublicURL = closedPortURL(t)
	_, err := sh.App().Connect(simPractice)
	if errCode(err) != CodeNeedsSetup || !strings.Contains(err.Error(), "Nothing is listening") ||
		!strings.Contains(err.Error(), "Check my setup") {
		t.Fatalf("first Connect with no tunnel = %v", err)
	}
	if len(sh.rec.urls) != 0 {
		t.Error("the browser was opened although the setup check failed")
	}
	sh.app.settings.PublicURL = good
	if _, err := sh.App().Connect(simPractice); err != nil {
		t.Fatalf("Connect once the tunnel works: %v", err)
	}
}

func TestGetSetupGuide(t *testing.T) {
	t.Parallel()
	a := setupHost(t)
	a.mu.Lock()
	a.settings.PublicURL = "https://me.ngrok-free.app"
	a.settings.CallbackPort++ // saved, not yet in effect
	a.mu.Unlock()
	g, err := a.GetSetupGuide()
	must(t, err)
	_, bound, _ := net.SplitHostPort(a.cb.Addr())
	if g.RedirectURI != "https://me.ngrok-free.app/healow/callback" ||
		fmt.Sprint(g.CallbackPort) != bound || !g.PortChanged || g.PortalURL != portalURL {
		t.Errorf("guide = %+v (listener on %s)", g, bound)
	}
	if len(g.Scopes) < 20 || !strings.Contains(strings.Join(g.Scopes, " "), "patient/Observation.read") {
		t.Errorf("guide scopes = %v", g.Scopes)
	}
}
