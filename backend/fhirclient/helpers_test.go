package fhirclient

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

const code = "JAFJCD"

// fakeClock advances on Sleep instead of waiting.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.slept = append(f.slept, d)
	f.now = f.now.Add(d)
	return ctx.Err()
}

func (f *fakeClock) sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.slept...)
}

// recorder counts the requests a test server got and what they carried.
type recorder struct {
	mu    sync.Mutex
	reqs  []*http.Request
	auths []string
}

func (r *recorder) wrap(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, req)
		r.auths = append(r.auths, req.Header.Get("Authorization"))
		r.mu.Unlock()
		h(w, req)
	}
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// newTLS starts a TLS practice server and a client for it with a fake clock
// starting at 12:00:37.5 UTC.
func newTLS(t *testing.T, h http.HandlerFunc) (*Client, *recorder, *fakeClock) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewTLSServer(rec.wrap(h))
	t.Cleanup(srv.Close)
	clk := &fakeClock{now: time.Date(2024, 5, 6, 12, 0, 37, 500e6, time.UTC)}
	c := New(srv.URL+"/fhir/r4/"+code, srv.Client(), func() string { return "tok-123" }, nil)
	c.Clock = clk
	c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	return c, rec, clk
}

func writeFHIR(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json+fhir;charset=UTF-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func outcome(diag string) string {
	return `{"resourceType":"OperationOutcome","issue":[{"severity":"error",` +
		`"code":"processing","diagnostics":"` + diag + `"}]}`
}
