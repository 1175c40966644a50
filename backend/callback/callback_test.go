package callback

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"chartkeep/backend/smart"
)

// recorder is a Receiver that records its calls and echoes the callback.
type recorder struct {
	mu    sync.Mutex
	calls []smart.Callback
	reply func(ctx context.Context, cb smart.Callback) Outcome
}

func (rc *recorder) receive(ctx context.Context, cb smart.Callback) Outcome {
	rc.mu.Lock()
	rc.calls = append(rc.calls, cb)
	reply := rc.reply
	rc.mu.Unlock()
	if reply != nil {
		return reply(ctx, cb)
	}
	if cb.Error != "" {
		return Outcome{Title: "Sign-in failed",
			Message: "healow said: " + cb.Error + ": " + cb.ErrorDescription}
	}
	return Outcome{OK: true, Title: "Connected", Message: "Your records are downloading."}
}

func (rc *recorder) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.calls)
}

func start(t *testing.T, rc *recorder, edit func(s *Server)) *Server {
	t.Helper()
	s := New("127.0.0.1:0", rc.receive)
	if edit != nil {
		edit(s)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func do(t *testing.T, s *Server, method, target string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+s.Addr()+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestStartRefusesNonLoopback(t *testing.T) {
	cases := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:0", true},
		{"0.0.0.0:0", false},
		{":0", false},
		{"localhost:0", false},
		{"192.168.1.10:0", false},
		{"example.com:443", false},
		{"127.0.0.1", false},
	}
	for _, tc := range cases {
		t.Run(tc.addr, func(t *testing.T) {
			s := New(tc.addr, nil)
			err := s.Start()
			defer s.Close()
			if tc.ok && err != nil {
				t.Errorf("Start(%q) = %v", tc.addr, err)
			}
			if !tc.ok && !errors.Is(err, ErrNotLoopback) {
				t.Errorf("Start(%q) = %v, want ErrNotLoopback", tc.addr, err)
			}
		})
	}
	if err := checkLoopback("[::1]:8080"); err != nil {
		t.Errorf("checkLoopback([::1]) = %v", err)
	}
}

func TestPathsAndMethods(t *testing.T) {
	rc := &recorder{}
	s := start(t, rc, nil)
	cases := []struct {
		name, method, target string
		status               int
		calls                int
	}{
		{"callback", "GET", "/healow/callback?code=c&state=s", 200, 1},
		{"callback head", "HEAD", "/healow/callback?code=c&state=s", 200, 0},
		{"callback post", "POST", "/healow/callback?code=c&state=s", 405, 0},
		{"callback put", "PUT", "/healow/callback", 405, 0},
		{"callback delete", "DELETE", "/healow/callback", 405, 0},
		{"callback options", "OPTIONS", "/healow/callback", 405, 0},
		{"ping", "GET", "/healow/ping", 200, 0},
		{"ping head", "HEAD", "/healow/ping", 200, 0},
		{"ping post", "POST", "/healow/ping", 405, 0},
		{"root", "GET", "/", 404, 0},
		{"trailing slash", "GET", "/healow/callback/", 404, 0},
		{"double slash", "GET", "/healow//callback?code=c&state=s", 404, 0},
		{"dot segment", "GET", "/healow/x/../callback?code=c&state=s", 404, 0},
		{"case", "GET", "/HEALOW/callback?code=c&state=s", 404, 0},
		{"records", "GET", "/api/records", 404, 0},
		{"settings", "GET", "/settings", 404, 0},
		{"favicon", "GET", "/favicon.ico", 404, 0},
		{"unknown post", "POST", "/anything", 404, 0},
		{"no params", "GET", "/healow/callback", 400, 0},
		{"repeated state", "GET", "/healow/callback?code=c&state=a&state=b", 400, 0},
		{"semicolon", "GET", "/healow/callback?code=c;state=s", 400, 0},
		{"bad escape", "GET", "/healow/callback?code=%zz", 400, 0},
		{"long query", "GET", "/healow/callback?code=" + strings.Repeat("a", maxQueryBytes), 400, 0},
		{"error only", "GET", "/healow/callback?error=access_denied", 400, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := rc.count()
			resp, body := do(t, s, tc.method, tc.target)
			if resp.StatusCode != tc.status {
				t.Errorf("%s %s = %d, want %d", tc.method, tc.target, resp.StatusCode, tc.status)
			}
			if got := rc.count() - before; got != tc.calls {
				t.Errorf("receiver called %d times, want %d", got, tc.calls)
			}
			if v := resp.Header.Get("Server"); v != "" {
				t.Errorf("Server header %q", v)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", resp.Header.Get("Cache-Control"))
			}
			if tc.status == 404 && len(body) > 20 {
				t.Errorf("404 body is %d bytes", len(body))
			}
			if tc.status == 405 && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q", resp.Header.Get("Allow"))
			}
		})
	}
}

func TestPing(t *testing.T) {
	s := start(t, &recorder{}, nil)
	resp, body := do(t, s, "GET", "/healow/ping")
	if body != "chartkeep "+s.PingNonce()+"\n" || len(s.PingNonce()) != 32 {
		t.Errorf("ping body = %q, nonce %q", body, s.PingNonce())
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if New("127.0.0.1:0", nil).PingNonce() == s.PingNonce() {
		t.Error("two servers share a nonce")
	}
}

func TestCallbackPage(t *testing.T) {
	rc := &recorder{}
	s := start(t, rc, nil)
	cases := []struct {
		name, query string
		status      int
		want        []string
		wantCb      smart.Callback
	}{
		{name: "success", query: "code=abc&state=xyz", status: 200,
			want:   []string{"<h1>Connected</h1>", "Your records are downloading.", "return to Chartkeep"},
			wantCb: smart.Callback{Code: "abc", State: "xyz"}},
		{name: "error escaped",
			query: "state=s&error=access_denied&error_description=" +
				url.QueryEscape(`<script>alert(1)</script> "x" & <b>y</b>`),
			status: 400,
			want: []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&amp;", "&lt;b&gt;y&lt;/b&gt;",
				"access_denied", "return to Chartkeep"},
			wantCb: smart.Callback{State: "s", Error: "access_denied",
				ErrorDescription: `<script>alert(1)</script> "x" & <b>y</b>`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, s, "GET", CallbackPath+"?"+tc.query)
			if resp.StatusCode != tc.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			if strings.Contains(strings.ToLower(body), "<script") {
				t.Errorf("page has a script:\n%s", body)
			}
			if !strings.Contains(body, "<style>"+pageStyle+"</style>") {
				t.Error("style block differs from the hashed pageStyle: the CSP would block it")
			}
			h := resp.Header
			wantHeaders := map[string]string{
				"Content-Type":    "text/html; charset=utf-8",
				"Cache-Control":   "no-store",
				"Referrer-Policy": "no-referrer",
			}
			for k, v := range wantHeaders {
				if h.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, h.Get(k), v)
				}
			}
			c := h.Get("Content-Security-Policy")
			if !strings.HasPrefix(c, "default-src 'none'; style-src 'sha256-") ||
				strings.Contains(c, "unsafe") || strings.Contains(c, "script-src") {
				t.Errorf("CSP = %q", c)
			}
			rc.mu.Lock()
			got := rc.calls[len(rc.calls)-1]
			rc.mu.Unlock()
			if got != tc.wantCb {
				t.Errorf("receiver got %+v, want %+v", got, tc.wantCb)
			}
		})
	}
}

func TestReceiverBounded(t *testing.T) {
	cases := []struct {
		name  string
		reply func(ctx context.Context, cb smart.Callback) Outcome
		want  string
	}{
		{name: "timeout", want: "took too long", reply: func(ctx context.Context, _ smart.Callback) Outcome {
			<-ctx.Done()
			return Outcome{Title: "Sign-in failed", Message: "healow took too long to answer."}
		}},
		{name: "panic", want: "internal error", reply: func(context.Context, smart.Callback) Outcome {
			panic("boom")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, &recorder{reply: tc.reply}, func(s *Server) {
				s.ReceiveTimeout = 100 * time.Millisecond
			})
			begin := time.Now()
			resp, body := do(t, s, "GET", CallbackPath+"?code=c&state=s")
			if d := time.Since(begin); d > 3*time.Second {
				t.Errorf("request took %v", d)
			}
			if resp.StatusCode != 400 || !strings.Contains(body, tc.want) {
				t.Errorf("status %d, body:\n%s", resp.StatusCode, body)
			}
		})
	}
}

func TestBusy(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, maxInFlight)
	rc := &recorder{reply: func(ctx context.Context, _ smart.Callback) Outcome {
		entered <- struct{}{}
		<-release
		return Outcome{OK: true}
	}}
	s := start(t, rc, nil)
	var wg sync.WaitGroup
	for range maxInFlight {
		wg.Go(func() { do(t, s, "GET", CallbackPath+"?code=c&state=s") })
	}
	for range maxInFlight {
		<-entered
	}
	resp, _ := do(t, s, "GET", CallbackPath+"?code=c&state=s")
	close(release)
	wg.Wait()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status with %d receivers running = %d, want 503", maxInFlight, resp.StatusCode)
	}
}

func TestOversizedHeader(t *testing.T) {
	s := start(t, &recorder{}, nil)
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	req := "GET /healow/ping HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 64<<10) + "\r\n\r\n"
	_, _ = conn.Write([]byte(req))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(line, "431") {
		t.Errorf("answer to a 64 KB header = %q, %v; want 431", line, err)
	}
}

func TestSlowHeaders(t *testing.T) {
	s := start(t, &recorder{}, func(s *Server) { s.headerTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = conn.Write([]byte("GET /healow/ping HTTP/1.1\r\nHost: x\r\n")) // never finished
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	begin := time.Now()
	got, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("server kept a half-sent request open for %v", time.Since(begin))
	}
	if bytes.Contains(got, []byte("chartkeep ")) {
		t.Errorf("server answered an unfinished request: %q", got)
	}
	if d := time.Since(begin); d > 3*time.Second {
		t.Errorf("connection closed after %v, want about 300ms", d)
	}
	// The listener still serves complete requests.
	if resp, _ := do(t, s, "GET", PingPath); resp.StatusCode != 200 {
		t.Errorf("ping after a slow client = %d", resp.StatusCode)
	}
}

func TestQueryNeverLogged(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(prev)

	s := start(t, &recorder{}, nil)
	do(t, s, "GET", CallbackPath+"?code=SECRETCODE&state=SECRETSTATE")
	do(t, s, "GET", "/other?code=SECRETCODE")
	do(t, s, "GET", CallbackPath+"?code=SECRETCODE&code=SECRETCODE")
	do(t, s, "GET", CallbackPath+"?code=SECRETCODE;state=SECRETSTATE")
	if strings.Contains(buf.String(), "SECRET") {
		t.Errorf("log holds the query:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "path="+CallbackPath) {
		t.Errorf("requests were not logged at all:\n%s", buf.String())
	}
}

// TestSweep tries every method on paths an attacker reaching the tunnel
// might guess. Only GET and HEAD of the two paths are served, only a GET
// of the callback reaches the receiver, and nothing else says more than
// "not found".
func TestSweep(t *testing.T) {
	rc := &recorder{}
	s := start(t, rc, nil)
	paths := []string{"/", "/index.html", "/healow", "/healow/", "/healow/callback",
		"/healow/callback?code=c&state=s", "/healow/ping", "/healow/ping/", "/healow/pingx",
		"/healow/callback.json", "/api", "/api/records", "/records", "/settings",
		"/settings.json", "/tokens", "/chartkeep.db", "/logs/chartkeep.log", "/.env",
		"/.git/config", "/wails/ipc", "/debug/pprof/", "/metrics", "/%2e%2e/etc/passwd",
		"/healow/%63allback?code=c&state=s", "/" + strings.Repeat("a", 4000)}
	methods := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
		"PROPFIND"}
	served := map[string]bool{CallbackPath: true, PingPath: true}
	for _, p := range paths {
		for _, m := range methods {
			before := rc.count()
			resp, body := do(t, s, m, p)
			u, _ := url.Parse(p)
			want := http.StatusNotFound
			if served[u.Path] {
				want = http.StatusMethodNotAllowed
				if m == "GET" || m == "HEAD" {
					want = resp.StatusCode // 200 or 400, checked elsewhere
				}
			}
			if resp.StatusCode != want {
				t.Errorf("%s %s = %d, want %d", m, p, resp.StatusCode, want)
			}
			calls := rc.count() - before
			if calls != 0 && !(m == "GET" && u.Path == CallbackPath && u.RawQuery != "") {
				t.Errorf("%s %s reached the receiver", m, p)
			}
			if v := resp.Header.Get("Server"); v != "" {
				t.Errorf("%s %s: Server header %q", m, p, v)
			}
			if !served[u.Path] && len(body) > 20 {
				t.Errorf("%s %s: %d-byte body for an unknown path", m, p, len(body))
			}
		}
	}
}

// rawRequest writes head (and then body, when set) on a fresh connection
// and returns the status line of the answer.
func rawRequest(t *testing.T, s *Server, head string, body func(net.Conn)) (string, time.Duration) {
	t.Helper()
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	begin := time.Now()
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	if body != nil {
		go body(conn)
	}
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line), time.Since(begin)
}

func TestOversizedAndSlowRequests(t *testing.T) {
	rc := &recorder{}
	s := start(t, rc, nil)
	mb := bytes.Repeat([]byte("x"), 1<<20)
	cases := []struct {
		name, head string
		body       func(net.Conn)
		want       string
	}{
		{name: "100 MB body announced",
			head: "POST /healow/callback HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n",
			body: func(c net.Conn) { _, _ = c.Write(mb) }, want: "405"},
		{name: "endless chunked body",
			head: "PUT /anything HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
			body: func(c net.Conn) {
				for {
					if _, err := c.Write([]byte("100000\r\n" + string(mb) + "\r\n")); err != nil {
						return
					}
				}
			}, want: "404"},
		{name: "body trickled a byte at a time",
			head: "GET /healow/ping HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
			body: func(c net.Conn) {
				for range 1000 {
					if _, err := c.Write([]byte("x")); err != nil {
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			}, want: "200"},
		{name: "20 KB request line",
			head: "GET /healow/callback?code=" + strings.Repeat("a", 20<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n",
			want: "431"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			line, took := rawRequest(t, s, tc.head, tc.body)
			if !strings.Contains(line, tc.want) {
				t.Errorf("answer %q, want %s", line, tc.want)
			}
			if took > 2*time.Second {
				t.Errorf("answered after %v: the server waited for the body", took)
			}
		})
	}
	if rc.count() != 0 {
		t.Errorf("the receiver was called %d times", rc.count())
	}
}
