package app

import (
	"testing"

	ksync "chartkeep/backend/sync"
)

// A window that opens a connection in the middle of a sync asks for what
// it missed; the snapshot holds the latest event of each type, in order.
func TestSyncProgressSnapshot(t *testing.T) {
	a := newApp(Options{Emit: func(string, any) {}})
	if got, _ := a.GetSyncProgress("c1"); len(got) != 0 {
		t.Fatalf("no sync running, snapshot = %+v", got)
	}
	a.syncs["c1"] = &syncState{progress: map[string]SyncProgress{}}
	for _, p := range []ksync.Progress{
		{ConnectionID: "c1", Type: "Patient", Resources: 1, Done: true},
		{ConnectionID: "c1", Type: "Observation", Pages: 1, Resources: 50},
		{ConnectionID: "c1", Type: "Condition", Resources: 4, Done: true},
		{ConnectionID: "c1", Type: "Observation", Pages: 2, Resources: 90},
		{ConnectionID: "c1", Done: true, Message: "closing events are not types"},
	} {
		a.syncProgress(p)
	}
	got, err := a.GetSyncProgress("c1")
	if err != nil {
		t.Fatal(err)
	}
	want := []SyncProgress{
		{ConnectionID: "c1", Type: "Patient", Resources: 1, Done: true},
		{ConnectionID: "c1", Type: "Observation", Pages: 2, Resources: 90},
		{ConnectionID: "c1", Type: "Condition", Resources: 4, Done: true},
	}
	if len(got) != len(want) {
		t.Fatalf("snapshot = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("snapshot[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}
