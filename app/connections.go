package app

import (
	"context"
	"time"

	"chartkeep/backend/store"
)

// ConnectionView is one connection in the sidebar.
type ConnectionView struct {
	ID             string         `json:"id"`
	Label          string         `json:"label"`
	PracticeName   string         `json:"practiceName"`
	PatientName    string         `json:"patientName"`
	Status         string         `json:"status"` // connected, needs_reconnect, syncing, error
	ExpiresAt      string         `json:"expiresAt"`
	LastSyncAt     string         `json:"lastSyncAt"`
	LastSyncStatus string         `json:"lastSyncStatus"`
	Counts         map[string]int `json:"counts"`
}

// ListConnections returns every connection with its current state.
func (a *App) ListConnections() ([]ConnectionView, error) {
	if err := a.ready(); err != nil {
		return nil, err
	}
	conns, err := a.store.ListConnections(a.ctx)
	if err != nil {
		return nil, newError(CodeInternal, "Chartkeep could not read its database.", err)
	}
	out := make([]ConnectionView, 0, len(conns))
	for i := range conns {
		out = append(out, a.connectionView(a.ctx, &conns[i]))
	}
	return out, nil
}

func (a *App) connectionView(ctx context.Context, c *store.Connection) ConnectionView {
	v := ConnectionView{ID: c.ID, Label: c.Label, PracticeName: c.PracticeName, Status: c.Status}
	if c.ExpiresAt != nil {
		v.ExpiresAt = c.ExpiresAt.Format(time.RFC3339)
		if time.Now().After(*c.ExpiresAt) {
			v.Status = "needs_reconnect"
		}
	}
	a.mu.Lock()
	if a.syncs[c.ID] != nil {
		v.Status = "syncing"
	}
	a.mu.Unlock()
	if p, err := a.patientView(ctx, c); err == nil {
		v.PatientName = p.Name
	}
	if counts, err := a.store.CountByType(ctx, c.ID); err == nil {
		v.Counts = counts
	}
	if run, err := a.store.LastRun(ctx, c.ID); err == nil && run != nil {
		v.LastSyncAt = run.StartedAt.Format(time.RFC3339)
		v.LastSyncStatus = run.Status
	}
	return v
}
