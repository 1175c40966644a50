package app

import (
	"context"

	"golang.org/x/time/rate"
)

// practiceLimiter keeps Chartkeep under healow's 250 requests a minute per
// practice (HEALOW.md §1), shared by the login calls and the sync.
type practiceLimiter = rate.Limiter

const requestsPerMinute = 250

func (a *App) limiter(base string) *rate.Limiter {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.limiters[base]
	if l == nil {
		// A bucket that refills at 250 a minute, with a small burst, cannot
		// pass 250 requests inside any one wall-clock minute by more than the
		// burst; healow counts fixed minutes, so stay a burst below 250.
		every := rate.Limit(float64(requestsPerMinute-20) / 60)
		if a.requestRate != 0 {
			every = a.requestRate
		}
		l = rate.NewLimiter(every, 20)
		a.limiters[base] = l
	}
	return l
}

func (a *App) waitLimiter(ctx context.Context, base string) error {
	if err := a.limiter(base).Wait(ctx); err != nil {
		return errorf(CodeBusy, "Cancelled while waiting for healow's request limit.")
	}
	return nil
}
