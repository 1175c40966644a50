package fhirclient

import (
	"context"
	"reflect"
	"sync"
	"time"
)

// Limiter paces requests. Wait blocks until one request may be sent, or
// fails when ctx ends. *rate.Limiter (golang.org/x/time/rate) and
// *WindowLimiter satisfy it.
type Limiter interface {
	Wait(ctx context.Context) error
}

// HealowRequestsPerMinute is healow's limit per practice, the OAuth calls
// included (HEALOW.md §1).
const HealowRequestsPerMinute = 250

// healowBrowserReserve is kept free for the login steps the browser makes
// (authorize, login, consent): healow counts them, but they never pass
// through the app's limiter.
const healowBrowserReserve = 10

// NewHealowLimiter returns the limiter to share, per practice, between the
// login calls and the sync: at most HealowRequestsPerMinute less a small
// reserve for the browser's own login steps in any 61 seconds. healow
// counts fixed wall-clock minutes and answers a bare 429 past the limit;
// any fixed minute lies inside some 61-second span, so the limiter keeps
// every one of healow's minutes under the limit whatever the clocks'
// alignment, the extra second absorbing uneven network delays. Unlike a
// token bucket with a small burst, it lets a sync of fewer requests than
// the limit run at full speed.
func NewHealowLimiter() *WindowLimiter {
	return NewWindowLimiter(HealowRequestsPerMinute-healowBrowserReserve,
		time.Minute+time.Second)
}

// WindowLimiter lets at most n Waits return within any span of the window's
// length (a sliding-window log). A Wait whose ctx ends after it has been
// given a slot leaves that slot used, which errs on the safe side.
type WindowLimiter struct {
	mu     sync.Mutex
	window time.Duration
	slots  []time.Time // ring of the last n grant times
	next   int
	clock  Clock
}

// NewWindowLimiter returns a limiter of n requests per window; n < 1 is
// taken as 1.
func NewWindowLimiter(n int, window time.Duration) *WindowLimiter {
	return newWindowLimiter(n, window, realClock{})
}

func newWindowLimiter(n int, window time.Duration, clock Clock) *WindowLimiter {
	return &WindowLimiter{window: window, slots: make([]time.Time, max(n, 1)), clock: clock}
}

// Wait blocks until a request may be sent within the limit.
func (l *WindowLimiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	now := l.clock.Now()
	at := now
	// The slot to reuse holds the grant n requests ago; zero when unused.
	if old := l.slots[l.next]; !old.IsZero() && old.Add(l.window).After(now) {
		at = old.Add(l.window)
	}
	l.slots[l.next] = at
	l.next = (l.next + 1) % len(l.slots)
	l.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		return l.clock.Sleep(ctx, d)
	}
	return nil
}

// usable turns a typed nil (a nil *rate.Limiter in a Limiter) into nil,
// so that New's "nil means no limiter" holds for every nil.
func usable(l Limiter) Limiter {
	if l == nil {
		return nil
	}
	if v := reflect.ValueOf(l); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil
	}
	return l
}
