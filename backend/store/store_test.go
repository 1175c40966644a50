package store

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3/gormlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "chart keep.db") // a space, on purpose
	s, err := Open(path, NewKey())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func res(conn, typ, id, raw string) Resource {
	return Resource{ConnectionID: conn, Type: typ, ID: id, Raw: []byte(raw)}
}

func TestOpenWrongKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	good, bad := NewKey(), NewKey()
	s, err := Open(path, good)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.UpsertResources(ctx, []Resource{res("c", "Patient", "p", "{}")}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	_, err = Open(path, bad)
	if !errors.Is(err, ErrWrongKey) {
		t.Fatalf("Open with wrong key: err = %v, want ErrWrongKey", err)
	}
	for _, k := range [][]byte{good, bad} {
		if strings.Contains(strings.ToLower(err.Error()), hex.EncodeToString(k)) {
			t.Errorf("error text contains a key: %v", err)
		}
	}
	s, err = Open(path, good)
	if err != nil {
		t.Fatalf("reopen with the right key: %v", err)
	}
	defer s.Close()
	if _, err := s.GetResource(ctx, "c", "Patient", "p"); err != nil {
		t.Errorf("resource lost after reopen: %v", err)
	}
}

func TestOpenRejectsBadKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			_, err := Open(filepath.Join(t.TempDir(), "x.db"), make([]byte, n))
			if !errors.Is(err, ErrBadKey) {
				t.Errorf("Open with %d-byte key: err = %v, want ErrBadKey", n, err)
			}
		})
	}
}

func TestPragmas(t *testing.T) {
	s, _ := openTemp(t)
	tests := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"temp_store", "2"},  // memory
		{"synchronous", "1"}, // normal
	}
	for _, tt := range tests {
		t.Run(tt.pragma, func(t *testing.T) {
			var got string
			if err := s.db.Raw("PRAGMA " + tt.pragma).Scan(&got).Error; err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
			}
		})
	}
}

// secret is a patient name that must never appear on disk in clear.
const secret = "Quokkaworth Zyxandria"

func patientRows(n int) []Resource {
	rs := make([]Resource, n)
	for i := range rs {
		rs[i] = res("c1", "Patient", fmt.Sprintf("p%d", i),
			`{"resourceType":"Patient","name":[{"text":"`+secret+`"}]}`)
		rs[i].Display = secret
	}
	return rs
}

// filesContain reports which files in dir contain s.
func filesContain(t *testing.T, dir, s string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var hits []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			hits = append(hits, e.Name())
		}
	}
	return hits
}

func TestEncryptedOnDisk(t *testing.T) {
	s, path := openTemp(t)
	dir := filepath.Dir(path)
	if err := s.UpsertResources(context.Background(), patientRows(200)); err != nil {
		t.Fatal(err)
	}
	// While open the rows sit in the WAL: the database, -wal and -shm files.
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Fatalf("no WAL file while open: %v", err)
	}
	if hits := filesContain(t, dir, secret); len(hits) != 0 {
		t.Errorf("plaintext found while open in %v", hits)
	}
	s.Close()
	if hits := filesContain(t, dir, secret); len(hits) != 0 {
		t.Errorf("plaintext found after close in %v", hits)
	}
}

// TestPlainDatabaseLeaks shows that the check above can fail: the same rows
// in a database without the adiantum VFS are readable on disk.
func TestPlainDatabaseLeaks(t *testing.T) {
	dir := t.TempDir()
	db, err := gorm.Open(gormlite.Open("file:"+filepath.ToSlash(filepath.Join(dir, "plain.db"))),
		&gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AutoMigrate(&Resource{}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateInBatches(patientRows(10), 100).Error; err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	sqlDB.Close()
	if hits := filesContain(t, dir, secret); len(hits) == 0 {
		t.Error("plaintext not found in an unencrypted database: the check proves nothing")
	}
}

func TestUpsertResources(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	raw := "{\"resourceType\":\"Condition\",  \"id\":\"abc\",\n\"note\":\"caf\u00e9 \\u00e9\"}"
	first := []Resource{res("c1", "Condition", "abc", raw), res("c1", "Condition", "ABC", "{}")}
	first[0].Display = "old"
	if err := s.UpsertResources(ctx, first); err != nil {
		t.Fatal(err)
	}
	again := []Resource{res("c1", "Condition", "abc", raw), res("c2", "Condition", "abc", "{}")}
	again[0].Display = "new"
	if err := s.UpsertResources(ctx, again); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, conn, id, display, raw string
	}{
		{"updated in place", "c1", "abc", "new", raw},
		{"case-differing id kept apart", "c1", "ABC", "", "{}"},
		{"same id other connection", "c2", "abc", "", "{}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := s.GetResource(ctx, tt.conn, "Condition", tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if r.Display != tt.display || string(r.Raw) != tt.raw || r.ID != tt.id {
				t.Errorf("got id %q display %q raw %q; want %q %q %q",
					r.ID, r.Display, r.Raw, tt.id, tt.display, tt.raw)
			}
		})
	}
	counts, err := s.CountByType(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if counts["Condition"] != 2 || len(counts) != 1 {
		t.Errorf("counts = %v, want Condition:2", counts)
	}
	if _, err := s.GetResource(ctx, "c1", "Condition", "Abc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetResource(Abc) err = %v, want ErrNotFound", err)
	}
}

func TestUpsertManyBatchesIsAtomic(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	n := 3*resourceBatch + 7
	rs := make([]Resource, n)
	for i := range rs {
		rs[i] = res("c1", "Observation", fmt.Sprintf("o%05d", i), `{"resourceType":"Observation"}`)
	}
	if err := s.UpsertResources(ctx, rs); err != nil {
		t.Fatal(err)
	}
	counts, _ := s.CountByType(ctx, "c1")
	if counts["Observation"] != n {
		t.Fatalf("count = %d, want %d", counts["Observation"], n)
	}

	// A trigger fails the last row, in the last batch: the earlier batches
	// of the same call must roll back with it.
	err := s.db.Exec(`CREATE TRIGGER fail_last BEFORE INSERT ON resources
		WHEN NEW.id = 'g-last' BEGIN SELECT RAISE(ABORT, 'test'); END`).Error
	if err != nil {
		t.Fatal(err)
	}
	bad := make([]Resource, n)
	for i := range bad {
		bad[i] = res("c1", "Goal", fmt.Sprintf("g%05d", i), "{}")
	}
	bad[n-1].ID = "g-last"
	if err := s.UpsertResources(ctx, bad); err == nil {
		t.Fatal("upsert through a failing trigger succeeded")
	}
	counts, _ = s.CountByType(ctx, "c1")
	if counts["Goal"] != 0 {
		t.Errorf("Goal count = %d after a failed upsert, want 0", counts["Goal"])
	}
}

func TestUpsertRejectsIncompleteRows(t *testing.T) {
	tests := []struct {
		name string
		r    Resource
	}{
		{"empty id", res("c1", "Goal", "", "{}")},
		{"empty type", res("c1", "", "g", "{}")},
		{"empty connection", res("", "Goal", "g", "{}")},
		{"no content", res("c1", "Goal", "g", "")},
	}
	s, _ := openTemp(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.UpsertResources(context.Background(), []Resource{tt.r}); err == nil {
				t.Errorf("upsert of %+v succeeded", tt.r)
			}
		})
	}
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestListResourcesOrder(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	rows := []Resource{
		{ID: "undated-b"},
		{ID: "local-midnight", SortTime: at("2023-03-05T00:00:00-05:00")}, // 05:00Z
		{ID: "utc-early", SortTime: at("2023-03-05T03:00:00Z")},
		{ID: "fraction", SortTime: at("2023-03-05T03:00:00.5Z")},
		{ID: "newest", SortTime: at("2024-01-01T00:00:00+14:00")},
		{ID: "undated-a"},
		{ID: "removed", SortTime: at("2030-01-01T00:00:00Z")},
	}
	for i := range rows {
		rows[i].ConnectionID, rows[i].Type, rows[i].Raw = "c1", "Encounter", []byte("{}")
	}
	if err := s.UpsertResources(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkRemovedExcept(ctx, "c1", "Encounter", []string{
		"undated-a", "undated-b", "local-midnight", "utc-early", "fraction", "newest",
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListResources(ctx, "c1", "Encounter")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	want := "newest,local-midnight,fraction,utc-early,undated-a,undated-b"
	if strings.Join(ids, ",") != want {
		t.Errorf("order = %s, want %s", strings.Join(ids, ","), want)
	}
}

func TestMarkRemovedExcept(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	var rows []Resource
	for _, id := range []string{"a", "A", "b", "c"} {
		rows = append(rows, res("c1", "Goal", id, "{}"))
	}
	rows = append(rows, res("c1", "Condition", "a", "{}"))
	if err := s.UpsertResources(ctx, rows); err != nil {
		t.Fatal(err)
	}
	n, err := s.MarkRemovedExcept(ctx, "c1", "Goal", []string{"a", "c"})
	if err != nil {
		t.Fatal(err)
	}
	counts, _ := s.CountByType(ctx, "c1")
	if n != 2 || counts["Goal"] != 2 || counts["Condition"] != 1 {
		t.Errorf("marked %d, counts %v; want 2, Goal:2 Condition:1", n, counts)
	}
	r, err := s.GetResource(ctx, "c1", "Goal", "A")
	if err != nil || !r.Removed {
		t.Errorf("Goal/A = %+v, %v; want Removed", r, err)
	}
	// Seen again upstream: the upsert brings it back.
	if err := s.UpsertResources(ctx, []Resource{res("c1", "Goal", "A", "{}")}); err != nil {
		t.Fatal(err)
	}
	if counts, _ := s.CountByType(ctx, "c1"); counts["Goal"] != 3 {
		t.Errorf("Goal count after re-upsert = %d, want 3", counts["Goal"])
	}
}

func TestConcurrentUpserts(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for p := range 10 {
				var rs []Resource
				for i := range 50 {
					rs = append(rs, res("c1", "Observation", fmt.Sprintf("w%d-p%d-%d", w, p, i), "{}"))
				}
				if err := s.UpsertResources(ctx, rs); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if counts, _ := s.CountByType(ctx, "c1"); counts["Observation"] != 8*10*50 {
		t.Errorf("count = %d, want %d", counts["Observation"], 8*10*50)
	}
}
