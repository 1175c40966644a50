package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"testing"
)

func TestCycleLifecycle(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	if _, err := s.LastCycle(ctx, "c1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LastCycle on a new database: %v, want ErrNotFound", err)
	}
	// Cycle 1 stores three Goals and two Conditions.
	if _, err := s.StartCycle(ctx, "c1", 1); err != nil {
		t.Fatal(err)
	}
	page := func(cycle uint, key string, done bool, typ string, ids ...string) {
		t.Helper()
		var rs []Resource
		for _, id := range ids {
			r := res("c1", typ, id, `{"id":"`+id+`"}`)
			r.Cycle = cycle
			rs = append(rs, r)
		}
		cur := &SyncCursor{ConnectionID: "c1", Search: key, Cycle: cycle, Pages: 1, Done: done,
			Next: map[bool]string{false: "https://x/next"}[done]}
		if err := s.SavePage(ctx, &Page{Resources: rs, Cursor: cur}); err != nil {
			t.Fatal(err)
		}
	}
	page(1, "Goal", true, "Goal", "g1", "g2", "G1")
	page(1, "Condition", false, "Condition", "c1", "c2")
	cs, err := s.Cursors(ctx, "c1", 1)
	if err != nil || len(cs) != 2 || !cs["Goal"].Done || cs["Condition"].Next != "https://x/next" {
		t.Fatalf("cursors = %+v, %v", cs, err)
	}
	var walked []string
	err = s.EachInCycle(ctx, "c1", 1, func(typ, id string, raw []byte) error {
		walked = append(walked, typ+"/"+id)
		return nil
	})
	want := []string{"Condition/c1", "Condition/c2", "Goal/G1", "Goal/g1", "Goal/g2"}
	if err != nil || !slices.Equal(walked, want) {
		t.Errorf("EachInCycle = %v, %v; want %v", walked, err, want)
	}

	// Cycle 2 sees g1 only and the Conditions' search did not finish:
	// only the Goals are closed as stale, case twins told apart.
	if _, err := s.StartCycle(ctx, "c1", 2); err != nil {
		t.Fatal(err)
	}
	if cs, _ := s.Cursors(ctx, "c1", 1); len(cs) != 0 {
		t.Errorf("a new cycle kept %d old cursors", len(cs))
	}
	page(2, "Goal", true, "Goal", "g1")
	page(2, "Condition", false, "Condition", "c1")
	c, _ := s.LastCycle(ctx, "c1")
	if c.ID != 2 || c.Closed {
		t.Fatalf("last cycle = %+v, want 2, open", c)
	}
	marked, err := s.CloseCycle(ctx, "c1", 2, []string{"Goal"})
	if err != nil || marked["Goal"] != 2 || len(marked) != 1 {
		t.Fatalf("CloseCycle = %v, %v; want 2 Goals", marked, err)
	}
	ids, _ := s.ListIDs(ctx, "c1")
	if !slices.Equal(ids["Goal"], []string{"g1"}) || len(ids["Condition"]) != 2 {
		t.Errorf("ids after closing = %v", ids)
	}
	if c, _ := s.LastCycle(ctx, "c1"); !c.Closed {
		t.Error("cycle not closed")
	}
	// A row stored again is current again.
	page(3, "Goal", true, "Goal", "g2")
	if r, _ := s.GetResource(ctx, "c1", "Goal", "g2"); r.Removed || r.Cycle != 3 {
		t.Errorf("g2 stored again: removed %v cycle %d", r.Removed, r.Cycle)
	}
}

func TestSavePageIsAtomic(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	err := s.db.Exec(`CREATE TRIGGER fail_cursor BEFORE INSERT ON sync_cursors
		BEGIN SELECT RAISE(ABORT, 'test'); END`).Error
	if err != nil {
		t.Fatal(err)
	}
	p := &Page{Resources: []Resource{res("c1", "Goal", "g1", "{}")},
		Attachments: []Attachment{{ConnectionID: "c1", ResourceType: "Goal", ResourceID: "g1",
			Bytes: []byte("x")}},
		Cursor: &SyncCursor{ConnectionID: "c1", Search: "Goal", Cycle: 1}}
	if err := s.SavePage(ctx, p); err == nil {
		t.Fatal("SavePage through a failing cursor succeeded")
	}
	if _, err := s.GetResource(ctx, "c1", "Goal", "g1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the page's resource survived its failed cursor: %v", err)
	}
	if as, _ := s.AllAttachments(ctx, "c1"); len(as) != 0 {
		t.Errorf("the page's attachment survived its failed cursor")
	}
	if err := s.SavePage(ctx, &Page{}); err == nil {
		t.Error("SavePage without a cursor succeeded")
	}
}

func TestMarkRemoved(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	s.UpsertResources(ctx, []Resource{res("c1", "Practitioner", "p1", "{}")})
	for _, tt := range []struct {
		id   string
		want bool
	}{{"p1", true}, {"p1", false}, {"nobody", false}} {
		got, err := s.MarkRemoved(ctx, "c1", "Practitioner", tt.id)
		if err != nil || got != tt.want {
			t.Errorf("MarkRemoved(%s) = %v, %v; want %v", tt.id, got, err, tt.want)
		}
	}
	var all []string
	s.EachResource(ctx, "c1", func(r *Resource) error {
		all = append(all, r.ID)
		if !r.Removed {
			t.Errorf("%s not removed", r.ID)
		}
		return nil
	})
	if len(all) != 1 {
		t.Errorf("EachResource gave %v, want the removed row too", all)
	}
}

func TestRunHistory(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	crashed, _ := s.StartRun(ctx, "c1")
	first, _ := s.StartRun(ctx, "c1")
	if runs, _ := s.ListRuns(ctx, "c1", 0); runs[1].ID != crashed.ID ||
		runs[1].Status != RunInterrupted {
		t.Errorf("a run left running = %+v, want interrupted", runs[1])
	}
	first.Cycle = first.ID
	err := s.FinishRun(ctx, first, RunPartial, map[string]int{"Goal": 3},
		map[string]string{"Condition": "HTTP 500"})
	if err != nil {
		t.Fatal(err)
	}
	second, _ := s.StartRun(ctx, "c1")
	second.Cycle, second.Resumed = first.ID, true
	s.FinishRun(ctx, second, RunOK, map[string]int{"Goal": 3, "Condition": 2}, nil)
	s.StartRun(ctx, "other")

	runs, err := s.ListRuns(ctx, "c1", 2)
	if err != nil || len(runs) != 2 || runs[0].ID != second.ID || runs[1].ID != first.ID {
		t.Fatalf("ListRuns = %+v, %v; want the two latest, newest first", runs, err)
	}
	if !runs[0].Resumed || runs[0].Cycle != first.ID || runs[0].Duration() <= 0 {
		t.Errorf("latest run = %+v", runs[0])
	}
	counts, err := runs[0].CountsMap()
	if err != nil || counts["Condition"] != 2 {
		t.Errorf("counts = %v, %v", counts, err)
	}
	errs, err := runs[1].ErrorsMap()
	if err != nil || errs["Condition"] != "HTTP 500" || runs[1].Status != RunPartial {
		t.Errorf("errors = %v, %v", errs, err)
	}
	if all, _ := s.ListRuns(ctx, "c1", 0); len(all) != 3 {
		t.Errorf("all runs = %d, want 3", len(all))
	}
}

func TestAttachmentRows(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	pdf := []byte("%PDF-1.4\x00\xff°")
	rows := []Attachment{
		{ConnectionID: "c1", ResourceType: "DocumentReference", ResourceID: "d1", Index: 0,
			ContentType: "application/pdf", URL: "Binary/b1", Bytes: pdf, Message: "stale"},
		{ConnectionID: "c1", ResourceType: "DocumentReference", ResourceID: "d1", Index: 1,
			URL: "Binary/b2", Size: 30 << 20, Message: "Not downloaded: too large."},
	}
	for i := range rows {
		if err := s.SaveAttachment(ctx, &rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	a, err := s.GetAttachment(ctx, "c1", "DocumentReference", "d1", 0)
	if err != nil || !bytes.Equal(a.Bytes, pdf) || a.Size != int64(len(pdf)) || !a.Stored() {
		t.Fatalf("attachment 0 = %+v, %v", a, err)
	}
	list, _ := s.ListAttachments(ctx, "c1", "DocumentReference", "d1")
	if len(list) != 2 || list[0].Bytes != nil || list[1].Stored() || list[1].Size != 30<<20 {
		t.Errorf("list = %+v", list)
	}
	if _, err := s.GetAttachment(ctx, "c1", "DocumentReference", "d1", 2); !errors.Is(err,
		ErrNotFound) {
		t.Errorf("missing attachment: %v", err)
	}
}

func TestIntegrityCheck(t *testing.T) {
	path, key := t.TempDir()+"/i.db", NewKey()
	s, err := Open(path, key)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s.UpsertResources(ctx, patientRows(300))
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Fatalf("a fresh database: %v", err)
	}
	s.Close()
	// Flip bytes in the middle of the file: the pages no longer decrypt.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 2; i < len(b)/2+64; i++ {
		b[i] ^= 0xff
	}
	os.WriteFile(path, b, 0o600)
	s2, err := Open(path, key)
	if err != nil {
		t.Fatalf("open a database damaged in the middle: %v", err)
	}
	defer s2.Close()
	if err := s2.IntegrityCheck(ctx); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a damaged database: %v, want ErrCorrupt", err)
	}
}

// TestUpsertMixedCycles: GORM leaves zero values of columns with a default
// out of an INSERT; rows of one batch with and without a Cycle must each
// keep their own, whichever comes first, new or replaced.
func TestUpsertMixedCycles(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	for _, cycles := range [][2]uint{{0, 5}, {5, 0}, {7, 7}, {0, 0}} {
		a, b := res("c1", "Goal", "a", "{}"), res("c1", "Goal", "b", "{}")
		a.Cycle, b.Cycle = cycles[0], cycles[1]
		if err := s.UpsertResources(ctx, []Resource{a, b}); err != nil {
			t.Fatal(err)
		}
		ra, _ := s.GetResource(ctx, "c1", "Goal", "a")
		rb, _ := s.GetResource(ctx, "c1", "Goal", "b")
		if ra.Cycle != cycles[0] || rb.Cycle != cycles[1] {
			t.Errorf("stored cycles %d and %d, want %v", ra.Cycle, rb.Cycle, cycles)
		}
	}
}
