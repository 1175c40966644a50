package app

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"

	"chartkeep/backend/store"
)

// Connection statuses, as ConnectionView.Status reports them.
const (
	statusConnected      = "connected"
	statusNeedsReconnect = "needs_reconnect"
	statusSyncing        = "syncing"
	statusDisconnected   = "disconnected"
)

// maxLabelRunes bounds a connection's label.
const maxLabelRunes = 60

// ConnectionView is one connection in the sidebar.
type ConnectionView struct {
	ID           string `json:"id"`
	Label        string `json:"label"`
	PracticeName string `json:"practiceName"`
	PatientName  string `json:"patientName"`
	// Status is connected, needs_reconnect, syncing, disconnected or error.
	Status string `json:"status"`
	// ExpiresAt is when healow's access ends or ended (RFC 3339), "" if
	// unknown.
	ExpiresAt      string         `json:"expiresAt"`
	LastSyncAt     string         `json:"lastSyncAt"`
	LastSyncStatus string         `json:"lastSyncStatus"`
	Counts         map[string]int `json:"counts"`
	// RecordCount is the sum of Counts: what RemoveConnection deletes and
	// must be confirmed with.
	RecordCount int `json:"recordCount"`
	// Attachments is false when the practice did not grant the Binary
	// scope, so documents' files are not downloaded.
	Attachments bool `json:"attachments"`
	// Notices say in words what the granted access leaves out.
	Notices []string `json:"notices"`
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
	limits := grantLimits(c.Scope)
	v := ConnectionView{ID: c.ID, Label: c.Label, PracticeName: c.PracticeName,
		Status: c.Status, Counts: map[string]int{}, Attachments: !limits.noFiles,
		Notices: limits.notices()}
	if c.ExpiresAt != nil {
		v.ExpiresAt = c.ExpiresAt.Format(time.RFC3339)
		// expires_in is known at login (HEALOW.md §1: about an hour, and
		// public apps get no refresh token), so expiry shows without a call.
		if time.Now().After(*c.ExpiresAt) && c.Status != statusDisconnected {
			v.Status = statusNeedsReconnect
		}
	}
	if a.syncing(c.ID) {
		v.Status = statusSyncing
	}
	if p, err := a.patientView(ctx, c); err == nil {
		v.PatientName = p.Name
	}
	if counts, err := a.store.CountByType(ctx, c.ID); err == nil {
		v.Counts = counts
	}
	v.RecordCount = total(v.Counts)
	if run, err := a.store.LastRun(ctx, c.ID); err == nil && run != nil {
		v.LastSyncAt = run.StartedAt.Format(time.RFC3339)
		v.LastSyncStatus = run.Status
	}
	return v
}

func (a *App) syncing(connID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.syncs[connID] != nil
}

func total(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// RenameConnection sets the name the sidebar shows for a connection
// instead of the patient's name, such as "Mum" or "Alex at Riverside". An
// empty label goes back to the patient's name.
func (a *App) RenameConnection(id, label string) error {
	c, err := a.connection(id)
	if err != nil {
		return err
	}
	c.Label = cleanLabel(label)
	if err := a.store.SaveConnection(a.ctx, c); err != nil {
		return newError(CodeInternal, "Chartkeep could not save the new name.", err)
	}
	a.emit("connections:changed", nil)
	return nil
}

func cleanLabel(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxLabelRunes {
		s = string(r[:maxLabelRunes])
	}
	return s
}

// DisconnectConnection ends a connection's access: it stops its download,
// deletes its token from the system keychain and marks it disconnected.
// Its records stay on this computer, readable offline; Reconnect connects
// it again.
func (a *App) DisconnectConnection(id string) error {
	c, err := a.connection(id)
	if err != nil {
		return err
	}
	if err := a.stopConnection(id); err != nil {
		return err
	}
	if err := a.vault.Delete(a.ctx, tokenKey(id)); err != nil {
		return newError(CodeKeychain, keychainMessage, err)
	}
	c.Status = statusDisconnected
	if err := a.store.SaveConnection(a.ctx, c); err != nil {
		return newError(CodeInternal, "Chartkeep could not save the connection.", err)
	}
	a.log.Info("connection disconnected", "practice", c.PracticeCode)
	a.emit("connections:changed", nil)
	return nil
}

// RemoveConnection deletes a connection: its token from the keychain and
// every record of it from this computer. confirmCount must be the
// RecordCount the patient was shown and agreed to delete; when the count
// has changed since, nothing is deleted and the window must ask again.
func (a *App) RemoveConnection(id string, confirmCount int) error {
	c, err := a.connection(id)
	if err != nil {
		return err
	}
	// Stop the download first: it would otherwise add records after the
	// count was checked.
	if err := a.stopConnection(id); err != nil {
		return err
	}
	counts, err := a.store.CountByType(a.ctx, id)
	if err != nil {
		return newError(CodeInternal, "Chartkeep could not read its database.", err)
	}
	if n := total(counts); n != confirmCount {
		return errorf(CodeStaleConfirmation, "This connection now has %d records on this "+
			"computer, not %d. Nothing was removed; confirm again to remove them.", n, confirmCount)
	}
	// The token goes first: a removal the keychain refuses must not leave a
	// token behind for a connection that no longer exists.
	if err := a.vault.Delete(a.ctx, tokenKey(id)); err != nil {
		return newError(CodeKeychain, keychainMessage, err)
	}
	if err := a.store.DeleteConnection(a.ctx, id); err != nil {
		return newError(CodeInternal, "Chartkeep could not delete the records.", err)
	}
	a.log.Info("connection removed", "practice", c.PracticeCode, "records", confirmCount)
	a.emit("connections:changed", nil)
	return nil
}

// connection loads a connection for a bound method.
func (a *App) connection(id string) (*store.Connection, error) {
	if err := a.ready(); err != nil {
		return nil, err
	}
	c, err := a.store.GetConnection(a.ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(CodeNotFound, "That connection no longer exists.")
	}
	if err != nil {
		return nil, newError(CodeInternal, "Chartkeep could not read its database.", err)
	}
	return c, nil
}

// stopConnection cancels the connection's download and its waiting
// reconnect logins, and waits for the download to stop.
func (a *App) stopConnection(id string) error {
	a.cancelAttempts(func(la *loginAttempt) bool { return la.reconnectID == id },
		"The login was cancelled because the connection was disconnected or removed.")
	_ = a.CancelSync(id)
	if !a.waitSync(id, 15*time.Second) {
		return errorf(CodeBusy, "Chartkeep could not stop the download in time. Try again in "+
			"a moment.")
	}
	return nil
}
