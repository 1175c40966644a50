package fhirclient

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestWindowLimiter(t *testing.T) {
	clk := &fakeClock{now: time.Date(2024, 5, 6, 12, 0, 30, 0, time.UTC)}
	l := newWindowLimiter(3, time.Minute, clk)
	start := clk.Now()
	var grants []time.Duration
	for range 7 {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		grants = append(grants, clk.Now().Sub(start))
	}
	want := []time.Duration{0, 0, 0, time.Minute, time.Minute, time.Minute, 2 * time.Minute}
	for i := range want {
		if grants[i] != want[i] {
			t.Fatalf("grants = %v, want %v", grants, want)
		}
	}
	// No span of one window holds more than n grants.
	for i := 3; i < len(grants); i++ {
		if grants[i]-grants[i-3] < time.Minute {
			t.Errorf("grants %d and %d only %v apart", i-3, i, grants[i]-grants[i-3])
		}
	}
}

func TestWindowLimiterCancelled(t *testing.T) {
	l := NewWindowLimiter(1, time.Hour)
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Wait = %v, want the context's deadline", err)
	}
}

func TestHealowLimiterAllowsAFullMinuteAtOnce(t *testing.T) {
	clk := &fakeClock{now: time.Date(2024, 5, 6, 12, 0, 0, 0, time.UTC)}
	l := NewHealowLimiter()
	l.clock = clk
	n := 0
	for clk.Now().Equal(time.Date(2024, 5, 6, 12, 0, 0, 0, time.UTC)) {
		l.Wait(context.Background())
		n++
	}
	// n-1 waits passed at once; the n-th slept past the window.
	if got := n - 1; got < 200 || got > HealowRequestsPerMinute {
		t.Errorf("%d requests passed at once, want the healow minute less a reserve", got)
	}
}

// countingLimiter counts Waits and always grants.
type countingLimiter struct{ n atomic.Int32 }

func (c *countingLimiter) Wait(ctx context.Context) error {
	c.n.Add(1)
	return ctx.Err()
}

func TestLimiterWaitedForEveryAttempt(t *testing.T) {
	calls := 0
	c, rec, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		switch {
		case r.URL.Path == "/fhir/r4/"+code+"/Binary/b1":
			binaryJSON("text/plain", []byte("x"))(w)
		case calls == 1:
			writeFHIR(w, 503, outcome("busy"))
		case calls == 2:
			w.WriteHeader(429)
		default:
			writeFHIR(w, 200, `{"resourceType":"Patient","id":"1"}`)
		}
	})
	lim := &countingLimiter{}
	c.lim = lim
	if _, err := c.Read(context.Background(), "Patient", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadBinary(context.Background(), "Binary/b1", 0); err != nil {
		t.Fatal(err)
	}
	if got, want := int(lim.n.Load()), rec.count(); got != want || want != 4 {
		t.Errorf("limiter waits = %d for %d requests, want one per request (4)", got, want)
	}
}

func TestNilRateLimiterMeansNone(t *testing.T) {
	var none *rate.Limiter
	c := New("https://x.example/fhir/r4/A", &http.Client{Transport: cannedPatient{}},
		func() string { return "" }, none)
	if _, err := c.Read(context.Background(), "Patient", "1"); err != nil {
		t.Errorf("Read with a nil *rate.Limiter: %v", err)
	}
}

// TestBare429PausesTheClient: once healow answers a bare 429, every
// request of the client waits for the minute to end, not only the one that
// got it (HEALOW.md §1).
func TestBare429PausesTheClient(t *testing.T) {
	var first atomic.Bool
	c, rec, clk := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		if !first.Swap(true) {
			w.WriteHeader(429)
			return
		}
		writeFHIR(w, 200, `{"resourceType":"Bundle","type":"searchset"}`)
	})
	c.RateWaits = 0
	err := c.Search(context.Background(), "Goal", nil, func(*Page) error { return nil })
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("first search: %v, want ErrRateLimited", err)
	}
	if s := clk.sleeps(); len(s) != 0 {
		t.Fatalf("slept %v before giving up, want nothing", s)
	}
	err = c.Search(context.Background(), "Condition", url.Values{"patient": {"p"}},
		func(*Page) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	s := clk.sleeps()
	if len(s) != 1 || s[0] < 22500*time.Millisecond || s[0] > 22500*time.Millisecond+rateJitter {
		t.Errorf("second search slept %v, want one sleep to the end of the minute", s)
	}
	if rec.count() != 2 {
		t.Errorf("requests = %d, want 2", rec.count())
	}
}
