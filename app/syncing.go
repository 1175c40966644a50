package app

import (
	"context"
	"errors"
	"time"

	"chartkeep/backend/fhirclient"
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
func (a *App) startSync(connID string) bool {
	a.mu.Lock()
	if a.syncs[connID] != nil {
		a.mu.Unlock()
		return false
	}
	ctx, cancel := context.WithCancel(a.baseContext())
	st := &syncState{cancel: cancel, done: make(chan struct{})}
	a.syncs[connID] = st
	a.mu.Unlock()

	a.syncWG.Add(1)
	go func() {
		defer a.syncWG.Done()
		defer close(st.done)
		defer cancel()
		a.runSync(ctx, connID)
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

func (a *App) runSync(ctx context.Context, connID string) {
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
	s := &ksync.Syncer{FHIR: client, Store: a.store, ConnectionID: connID,
		PatientID: conn.PatientID, Progress: a.syncProgress}
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
		a.emitSyncDone(connID, "Some records could not be downloaded; see the details of each group.")
	default:
		a.emitSyncDone(connID, "All records are up to date.")
	}
}

func (a *App) syncProgress(p ksync.Progress) {
	a.emit("sync:progress", SyncProgress{ConnectionID: p.ConnectionID, Type: p.Type,
		Pages: p.Pages, Resources: p.Resources, Errors: p.Errors, Done: p.Done, Message: p.Message})
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
	c.Status = "needs_reconnect"
	if err := a.store.SaveConnection(ctx, c); err != nil {
		a.log.Error("save connection", "err", err)
	}
	a.emit("connections:changed", nil)
}
