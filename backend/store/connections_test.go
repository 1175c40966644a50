package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestConnections(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	exp := time.Date(2024, 5, 6, 13, 0, 0, 0, time.UTC)
	c := &Connection{ID: "k1", Label: "Dr A", PracticeCode: "JAFJCD", PatientID: "p1",
		Base: "https://fhir4.healow.com/fhir/r4/JAFJCD", ExpiresAt: &exp}
	if err := s.SaveConnection(ctx, c); err != nil {
		t.Fatal(err)
	}
	created := c.CreatedAt
	if created.IsZero() {
		t.Fatal("CreatedAt not set on insert")
	}
	// The app may build a fresh struct for an existing connection.
	again := *c
	again.CreatedAt = time.Time{}
	again.Status = "needs_reconnect"
	if err := s.SaveConnection(ctx, &again); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveConnection(ctx, &Connection{ID: "k2"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetConnection(ctx, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "needs_reconnect" || got.PatientID != "p1" || !got.ExpiresAt.Equal(exp) ||
		!got.CreatedAt.Equal(created) || !again.CreatedAt.Equal(created) {
		t.Errorf("got %+v", got)
	}
	list, err := s.ListConnections(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "k1" {
		t.Errorf("ListConnections = %v, %v; want k1, k2", list, err)
	}
	if _, err := s.GetConnection(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetConnection(nope) err = %v, want ErrNotFound", err)
	}
}

func TestDeleteConnection(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	for _, id := range []string{"k1", "k2"} {
		if err := s.SaveConnection(ctx, &Connection{ID: id}); err != nil {
			t.Fatal(err)
		}
		if err := s.UpsertResources(ctx, []Resource{res(id, "Goal", "g", "{}")}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveAttachment(ctx, &Attachment{ConnectionID: id, ResourceType: "DocumentReference",
			ResourceID: "d", Bytes: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.StartRun(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteConnectionData(ctx, "k1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetConnection(ctx, "k1"); err != nil {
		t.Errorf("DeleteConnectionData removed the connection: %v", err)
	}
	if err := s.DeleteConnection(ctx, "k2"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"k1", "k2"} {
		if counts, _ := s.CountByType(ctx, id); len(counts) != 0 {
			t.Errorf("%s: resources left: %v", id, counts)
		}
		if as, _ := s.ListAttachments(ctx, id, "DocumentReference", "d"); len(as) != 0 {
			t.Errorf("%s: attachments left: %d", id, len(as))
		}
		if _, err := s.LastRun(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: run left: %v", id, err)
		}
	}
	if _, err := s.GetConnection(ctx, "k2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetConnection(k2) after delete: %v, want ErrNotFound", err)
	}
	if err := s.DeleteConnection(ctx, "absent"); err != nil {
		t.Errorf("DeleteConnection(absent) = %v, want nil", err)
	}
}

func TestRuns(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	first, err := s.StartRun(ctx, "k1")
	if err != nil {
		t.Fatal(err)
	}
	run, err := s.StartRun(ctx, "k1")
	if err != nil {
		t.Fatal(err)
	}
	err = s.FinishRun(ctx, run, RunPartial, map[string]int{"Goal": 2},
		map[string]string{"Observation": "HTTP 500"})
	if err != nil {
		t.Fatal(err)
	}
	last, err := s.LastRun(ctx, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if last.ID != run.ID || last.ID == first.ID || last.Status != RunPartial ||
		last.Counts != `{"Goal":2}` || last.Errors != `{"Observation":"HTTP 500"}` ||
		last.FinishedAt == nil {
		t.Errorf("last run = %+v", last)
	}
}

func TestAttachments(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	pdf := []byte("%PDF-1.4\x00\xff\xfe caf\xc3\xa9")
	for i, b := range [][]byte{pdf, []byte("second")} {
		a := &Attachment{ConnectionID: "k1", ResourceType: "DocumentReference",
			ResourceID: "d1", Index: i, ContentType: "application/pdf", Bytes: b}
		if err := s.SaveAttachment(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.GetAttachment(ctx, "k1", "DocumentReference", "d1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Bytes) != string(pdf) || got.Size != int64(len(pdf)) {
		t.Errorf("bytes = %q size %d, want %q", got.Bytes, got.Size, pdf)
	}
	list, err := s.ListAttachments(ctx, "k1", "DocumentReference", "d1")
	if err != nil || len(list) != 2 || list[1].Index != 1 || list[0].Bytes != nil {
		t.Errorf("ListAttachments = %+v, %v", list, err)
	}
}
