package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

const dirURL = "https://connect4.healow.com/apps/api/v1/fhir/activated_clinical_endpoints"

// cachedPractices makes n practices with accents and some empty places.
func cachedPractices(n int) []CachedPractice {
	ps := make([]CachedPractice, n)
	for i := range ps {
		code := fmt.Sprintf("C%05d", i)
		ps[i] = CachedPractice{Code: code, Name: fmt.Sprintf("Clínica Castañer %d", i),
			Base: "https://fhir4.healow.com/fhir/r4/" + code}
		if i%3 != 0 {
			ps[i].City, ps[i].State = "San Juan", "PR"
		}
	}
	return ps
}

func TestDirectoryRoundTrip(t *testing.T) {
	path, key := filepath.Join(t.TempDir(), "d.db"), NewKey()
	s, err := Open(path, key)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := s.LoadDirectory(ctx, dirURL); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LoadDirectory on an empty store = %v, want ErrNotFound", err)
	}
	// A zone and nanoseconds, to see that the instant survives, in UTC.
	at := time.Date(2025, 6, 1, 9, 30, 15, 123456789, time.FixedZone("EDT", -4*3600))
	want := cachedPractices(500)
	if err := s.SaveDirectory(ctx, dirURL, want, at); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path, key)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, fetched, err := s.LoadDirectory(ctx, dirURL)
	if err != nil {
		t.Fatal(err)
	}
	if !fetched.Equal(at) || fetched.Location() != time.UTC {
		t.Errorf("fetched at %v, want %v in UTC", fetched, at)
	}
	if age := at.Add(72 * time.Hour).Sub(fetched); age != 72*time.Hour {
		t.Errorf("age three days later = %v", age)
	}
	if len(got) != len(want) {
		t.Fatalf("%d practices back, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("practice %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestDirectoryReplaced(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	other := "https://127.0.0.1:8443/apps/api/v1/fhir/activated_clinical_endpoints"
	steps := []struct {
		name     string
		url      string
		n        int
		at       time.Time
		wantMain int // practices LoadDirectory(dirURL) gives after the step; -1: none
	}{
		{"first download", dirURL, 3, t0, 3},
		{"refresh replaces", dirURL, 2, t0.Add(time.Hour), 2},
		{"empty list kept as empty", dirURL, 0, t0.Add(2 * time.Hour), 0},
		{"another url drops the old list", other, 4, t0.Add(3 * time.Hour), -1},
	}
	for _, st := range steps {
		if err := s.SaveDirectory(ctx, st.url, cachedPractices(st.n), st.at); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, at, err := s.LoadDirectory(ctx, dirURL)
		switch {
		case st.wantMain < 0 && !errors.Is(err, ErrNotFound):
			t.Errorf("%s: LoadDirectory = %d, %v; want ErrNotFound", st.name, len(got), err)
		case st.wantMain >= 0 && (err != nil || len(got) != st.wantMain || !at.Equal(st.at)):
			t.Errorf("%s: LoadDirectory = %d practices at %v, %v; want %d at %v",
				st.name, len(got), at, err, st.wantMain, st.at)
		case st.wantMain == 0 && got == nil:
			t.Errorf("%s: an empty list came back nil", st.name)
		}
	}
	var rows int64
	s.db.Model(&DirectoryCache{}).Count(&rows)
	if rows != 1 {
		t.Errorf("%d directory rows, want 1", rows)
	}
}

func TestDirectoryCorrupt(t *testing.T) {
	cases := []struct {
		name  string
		blob  string
		count int
	}{
		{"not json", "{", 0},
		{"not a list", `{"c":"X"}`, 1},
		{"count differs", `[{"c":"X","n":"X","b":"https://x"}]`, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTemp(t)
			row := DirectoryCache{URL: dirURL, FetchedAt: time.Now(), Count: tc.count,
				Practices: []byte(tc.blob)}
			if err := s.db.Create(&row).Error; err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.LoadDirectory(context.Background(), dirURL); !errors.Is(err,
				ErrCorruptDirectory) {
				t.Errorf("LoadDirectory(%s) = %v, want ErrCorruptDirectory", tc.blob, err)
			}
		})
	}
}

func TestSaveDirectoryRejectsEmptyURL(t *testing.T) {
	s, _ := openTemp(t)
	err := s.SaveDirectory(context.Background(), "", cachedPractices(1), time.Now())
	if err == nil {
		t.Error("SaveDirectory with no url succeeded")
	}
}

func TestManualPractices(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	a := &ManualPractice{Base: "https://fhir.example.org/r4/ABC", Code: "ABC",
		Name: "Practice at fhir.example.org"}
	b := &ManualPractice{Base: "https://other.example/fhir/ABC", Code: "ABC-2",
		Name: "Practice at other.example"}
	for _, p := range []*ManualPractice{a, b} {
		if err := s.SaveManualPractice(ctx, p); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct CreatedAt, for the order
	}
	created := a.CreatedAt
	renamed := &ManualPractice{Base: a.Base, Code: "ABC", Name: "Renamed"}
	if err := s.SaveManualPractice(ctx, renamed); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListManualPractices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Base != a.Base || got[0].Name != "Renamed" ||
		got[1].Code != "ABC-2" {
		t.Fatalf("ListManualPractices = %+v", got)
	}
	if !got[0].CreatedAt.Equal(created) {
		t.Errorf("update moved CreatedAt from %v to %v", created, got[0].CreatedAt)
	}

	clash := &ManualPractice{Base: "https://third.example/ABC", Code: "ABC"}
	if err := s.SaveManualPractice(ctx, clash); err == nil {
		t.Error("a second manual practice with code ABC was saved")
	}
	if err := s.SaveManualPractice(ctx, &ManualPractice{Base: "https://x"}); err == nil {
		t.Error("a manual practice without a code was saved")
	}
}

// BenchmarkLoadDirectory measures what a start with a cached live-sized
// directory (HEALOW.md §2: about 17,000 entries) costs in the store.
func BenchmarkLoadDirectory(b *testing.B) {
	s, _ := openTemp(b)
	ctx := context.Background()
	if err := s.SaveDirectory(ctx, dirURL, cachedPractices(17000), time.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ps, _, err := s.LoadDirectory(ctx, dirURL)
		if err != nil || len(ps) != 17000 {
			b.Fatalf("LoadDirectory = %d, %v", len(ps), err)
		}
	}
}

func BenchmarkSaveDirectory(b *testing.B) {
	s, _ := openTemp(b)
	ps := cachedPractices(17000)
	for b.Loop() {
		if err := s.SaveDirectory(context.Background(), dirURL, ps, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
