package smart

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPending(t *testing.T) {
	base := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name    string
		elapsed time.Duration // between Put and Take
		takes   int
		state   string
		wantErr error
	}{
		{name: "fresh", elapsed: time.Minute, takes: 1, state: "s1"},
		{name: "unknown", elapsed: 0, takes: 1, state: "nope", wantErr: ErrUnknownState},
		{name: "empty state", elapsed: 0, takes: 1, state: "", wantErr: ErrUnknownState},
		{name: "expired", elapsed: 11 * time.Minute, takes: 1, state: "s1", wantErr: ErrExpiredState},
		{name: "reused", elapsed: 0, takes: 2, state: "s1", wantErr: ErrReusedState},
		{name: "long forgotten", elapsed: 25 * time.Minute, takes: 1, state: "s1", wantErr: ErrUnknownState},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPending(10 * time.Minute)
			now := base
			p.now = func() time.Time { return now }
			p.Put(&Attempt{State: "s1", Created: base})
			if tc.name == "long forgotten" {
				now = base.Add(11 * time.Minute)
				p.Len() // sweeps into a tombstone, which later expires too
			}
			now = base.Add(tc.elapsed)
			var err error
			for range tc.takes {
				_, err = p.Take(tc.state)
			}
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("Take = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestPendingDrop(t *testing.T) {
	cases := []struct {
		name   string
		reason error
		want   error
	}{
		{"timed out in the app", ErrExpiredState, ErrExpiredState},
		{"cancelled in the app", ErrCancelledState, ErrCancelledState},
		{"no reason keeps it waiting", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPending(time.Minute)
			p.Put(&Attempt{State: "s1"})
			p.Drop("s1", tc.reason)
			a, err := p.Take("s1")
			if !errors.Is(err, tc.want) || (tc.want == nil && (err != nil || a == nil)) {
				t.Errorf("Take after Drop(%v) = %v, %v; want %v", tc.reason, a, err, tc.want)
			}
			if _, err := p.Take("s1"); err == nil {
				t.Error("a dropped or taken state was usable again")
			}
		})
	}
}

func TestPendingConcurrentSingleUse(t *testing.T) {
	p := NewPending(0)
	p.Put(&Attempt{State: "only"})
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 32 {
		wg.Go(func() {
			if _, err := p.Take("only"); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
			p.Put(&Attempt{State: randomToken()})
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("attempt taken %d times, want once", wins)
	}
	if n := p.Len(); n != 32 {
		t.Errorf("Len = %d, want 32", n)
	}
}

func TestPendingBounded(t *testing.T) {
	p := NewPending(0)
	for range maxPending + 10 {
		p.Put(&Attempt{State: randomToken()})
	}
	if n := p.Len(); n != maxPending {
		t.Errorf("Len = %d, want %d", n, maxPending)
	}
}

// TestSecretsRedacted proves attempts, grants and callbacks keep their
// secrets out of slog and fmt output.
func TestSecretsRedacted(t *testing.T) {
	a := &Attempt{State: "STATE-SECRET", Nonce: "NONCE-SECRET", Verifier: "VERIFIER-SECRET",
		Base: "https://h/fhir/r4/X", ClientID: "cid", Created: time.Now()}
	g := &Grant{AccessToken: "ACCESS-SECRET", IDToken: "IDTOKEN-SECRET", TokenType: "Bearer",
		Patient: "PATIENT-ID", Scope: "openid", Claims: map[string]any{"name": "CLAIM-NAME"}}
	cb := Callback{Code: "CODE-SECRET", State: "STATE-SECRET", Error: "access_denied"}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("x", "attempt", a, "grant", g, "callback", cb)
	fmt.Fprintf(&buf, "%v %+v %#v %s %v %+v %#v", a, a, a, a, g, g, g)
	fmt.Fprintf(&buf, "%v %+v %#v %v %+v %#v", *a, *a, *a, *g, *g, *g)
	log.Info("values", "attempt", *a, "grant", *g)
	var nilAttempt *Attempt
	var nilGrant *Grant
	fmt.Fprintf(&buf, "%v %v", nilAttempt, nilGrant)
	log.Info("nil", "attempt", nilAttempt, "grant", nilGrant)
	out := buf.String()
	for _, secret := range []string{"STATE-SECRET", "NONCE-SECRET", "VERIFIER-SECRET",
		"ACCESS-SECRET", "IDTOKEN-SECRET", "PATIENT-ID", "CLAIM-NAME", "CODE-SECRET"} {
		if strings.Contains(out, secret) {
			t.Errorf("output leaks %s: %s", secret, out)
		}
	}
	if !strings.Contains(out, "https://h/fhir/r4/X") || !strings.Contains(out, "access_denied") {
		t.Errorf("output lost the safe fields: %s", out)
	}
}
