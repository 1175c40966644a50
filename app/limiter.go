package app

import (
	"context"

	"chartkeep/backend/fhirclient"
)

// limiter returns the practice's request limiter, shared by the login calls
// and the sync: healow allows 250 requests a minute per practice, counting
// /authorize and /token (HEALOW.md §1). fhirclient's window limiter keeps
// any 61-second span under that, whatever minute healow counts by.
func (a *App) limiter(base string) fhirclient.Limiter {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.unlimited {
		return nil
	}
	l := a.limiters[base]
	if l == nil {
		l = fhirclient.NewHealowLimiter()
		a.limiters[base] = l
	}
	return l
}

func (a *App) waitLimiter(ctx context.Context, base string) error {
	l := a.limiter(base)
	if l == nil {
		return nil
	}
	if err := l.Wait(ctx); err != nil {
		return errorf(CodeBusy, "Cancelled while waiting for healow's request limit.")
	}
	return nil
}
