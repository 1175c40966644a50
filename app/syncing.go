package app

import (
	"context"
	"errors"
	"time"

	"chartkeep/backend/fhirclient"
	"chartkeep/backend/store"
	ksync "chartkeep/backend/sync"
)

// SyncProgress is the payload of the sync:progress event.
type SyncProgress struct {
	ConnectionID string `json:"connectionId"`
	Type         string `json:"type"`
	Pages        int    `json:"pages"`
	Resources    int    `json:"resources"`
	Errors       int    `json:"errors"`
	Done         bool   `json:"done"`
	Message      string `json:"message"`
}

type syncState struct {
	cancel context.CancelFunc
	done   chan struct{}
	// progress is the latest event of each type, so a window that opens
	// the connection mid-sync sees what came before it subscribed.
	progress map[string]SyncProgress
	order    []string
}

// GetSyncProgress returns the latest progress of each record type of the
// sync running for the connection, in the order the types started; empty
// when no sync runs.
func (a *App) GetSyncProgress(connectionID string) ([]SyncProgress, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.syncs[connectionID]
	if st == nil {
		return []SyncProgress{}, nil
	}
	out := make([]SyncProgress, 0, len(st.order))
	for _, t := range st.order {
		out = append(out, st.progress[t])
	}
	return out, nil
}

// SyncNow downloads the connection's records again.
func (a *App) SyncNow(connectionID string) error {
	if err := a.ready(); err != nil {
		return err
	}
	if _, err := a.loadToken(a.ctx, connectionID); err != nil {
		a.markNeedsReconnect(connectionID)
		return err
	}
	if !a.startSync(connectionID) {
		return errorf(CodeBusy, "Chartkeep is already downloading these records.")
	}
	return nil
}

// CancelSync stops a running sync; what was saved stays saved.
func (a *App) CancelSync(connectionID string) error {
	a.mu.Lock()
	s := a.syncs[connectionID]
	a.mu.Unlock()
	if s != nil {
		s.cancel()
	}
	return nil
}

func (a *App) waitSync(connectionID string, timeout time.Duration) bool {
	a.mu.Lock()
	s := a.syncs[connectionID]
	a.mu.Unlock()
	if s == nil {
		return true
	}
	select {
	case <-s.done:
		return true
	case <-time.After(timeout):
		return false
	}
}

func (a *App) waitSyncs(timeout time.Duration) {
	done := make(chan struct{})
	go func() { a.syncWG.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
	}
}

// startSync starts a background sync unless one is running.
func (a *App) startSync(connID string) bool { return a.startSyncMode(connID, false) }

// startSyncMode starts a background sync unless one is running; resume
// asks it to continue the run an expired token interrupted.
func (a *App) startSyncMode(connID string, resume bool) bool {
	a.mu.Lock()
	if a.syncs[connID] != nil {
		a.mu.Unlock()
		return false
	}
	ctx, cancel := context.WithCancel(a.baseContext())
	st := &syncState{cancel: cancel, done: make(chan struct{}),
		progress: map[string]SyncProgress{}}
	a.syncs[connID] = st
	a.mu.Unlock()

	a.syncWG.Add(1)
	go func() {
		defer a.syncWG.Done()
		defer close(st.done)
		defer cancel()
		a.runSync(ctx, connID, resume)
		a.mu.Lock()
		delete(a.syncs, connID)
		a.mu.Unlock()
		a.emit("connections:changed", nil)
	}()
	return true
}

func (a *App) baseContext() context.Context {
	if a.ctx != nil {
		return context.WithoutCancel(a.ctx)
	}
	return context.Background()
}

func (a *App) runSync(ctx context.Context, connID string, resume bool) {
	conn, err := a.store.GetConnection(ctx, connID)
	if err != nil {
		a.log.Error("sync: connection missing", "err", err)
		return
	}
	tok, err := a.loadToken(ctx, connID)
	if err != nil {
		a.markNeedsReconnect(connID)
		a.emitSyncDone(connID, errMessage(err))
		return
	}
	client := fhirclient.New(conn.Base, a.httpClient(), func() string { return tok.AccessToken },
		a.limiter(conn.Base))
	// What the granted scope does not allow is left out (HEALOW.md §4 step
	// 7); after a reconnect the run continues the one the expired token
	// cut short (step 10).
	limits := grantLimits(conn.Scope)
	s := &ksync.Syncer{FHIR: client, Store: a.store, ConnectionID: connID,
		PatientID: conn.PatientID, Progress: a.syncProgress,
		Searches: limits.plan(conn.PatientID), ReferenceTypes: limits.referenceTypes(),
		Attachments: !limits.noFiles, Resume: resume}
	a.log.Info("sync starting", "resume", resume)
	a.emit("connections:changed", nil)
	start := time.Now()
	res, err := s.Run(ctx)
	a.log.Info("sync finished", "duration", time.Since(start).Round(time.Millisecond),
		"partial", res != nil && res.Partial, "err", err)
	switch {
	case errors.Is(err, fhirclient.ErrUnauthorized):
		a.markNeedsReconnect(connID)
		a.emitSyncDone(connID, "healow's access expired during the download. Click Reconnect; "+
			"Chartkeep will continue where it stopped.")
	case errors.Is(err, context.Canceled):
		a.emitSyncDone(connID, "Download cancelled. The records already downloaded are saved.")
	case err != nil:
		a.emitSyncDone(connID, "The download stopped: "+errMessage(err))
	case res.Partial:
		a.emitSyncDone(connID, resumedNote(res)+"Some records could not be downloaded; see "+
			"the details of each group.")
	default:
		a.emitSyncDone(connID, resumedNote(res)+"All records are up to date.")
	}
}

func (a *App) syncProgress(p ksync.Progress) {
	sp := SyncProgress{ConnectionID: p.ConnectionID, Type: p.Type,
		Pages: p.Pages, Resources: p.Resources, Errors: p.Errors, Done: p.Done, Message: p.Message}
	a.mu.Lock()
	if st := a.syncs[p.ConnectionID]; st != nil && p.Type != "" {
		if _, seen := st.progress[p.Type]; !seen {
			st.order = append(st.order, p.Type)
		}
		st.progress[p.Type] = sp
	}
	a.mu.Unlock()
	a.emit("sync:progress", sp)
}

func (a *App) emitSyncDone(connID, msg string) {
	a.emit("sync:progress", SyncProgress{ConnectionID: connID, Done: true, Message: msg})
}

func (a *App) markNeedsReconnect(connID string) {
	ctx := a.baseContext()
	c, err := a.store.GetConnection(ctx, connID)
	if err != nil {
		return
	}
	if c.ExpiresAt == nil || c.ExpiresAt.After(time.Now()) {
		now := time.Now()
		c.ExpiresAt = &now
	}
	if c.Status == statusDisconnected {
		return
	}
	c.Status = statusNeedsReconnect
	if err := a.store.SaveConnection(ctx, c); err != nil {
		a.log.Error("save connection", "err", err)
	}
	a.emit("connections:changed", nil)
}

// interruptedByExpiry reports whether the connection's last sync was cut
// short by an expired token, so that the sync after its reconnect should
// continue it rather than start over (HEALOW.md §4 step 10).
func (a *App) interruptedByExpiry(ctx context.Context, connID string) bool {
	if connID == "" {
		return false
	}
	c, err := a.store.GetConnection(ctx, connID)
	if err != nil || c.Status != statusNeedsReconnect {
		return false
	}
	run, err := a.store.LastRun(ctx, connID)
	return err == nil && run != nil && run.Status != store.RunOK && run.Status != store.RunPartial
}

func resumedNote(res *ksync.Result) string {
	if res != nil && res.Resumed {
		return "The download continued where it had stopped. "
	}
	return ""
}
