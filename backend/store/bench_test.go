package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchPage is the rows per transaction: the sync's page size.
const benchPage = 100

// benchResources returns n Observation rows of about 1 KB, with ids unique
// to round.
func benchResources(round, n int) []Resource {
	raw := []byte(`{"resourceType":"Observation","status":"final","category":[{"coding":` +
		`[{"code":"laboratory"}]}],"code":{"text":"Hemoglobin A1c"},"valueString":"12",` +
		`"note":"` + strings.Repeat("x", 800) + `"}`)
	t := time.Date(2023, 3, 5, 0, 0, 0, 0, time.UTC)
	rs := make([]Resource, n)
	for i := range rs {
		rs[i] = Resource{ConnectionID: "c1", Type: "Observation",
			ID: fmt.Sprintf("r%d-%d", round, i), Raw: raw, Date: "2023-03-05T00:00:00-05:00",
			SortTime: &t, Display: "Hemoglobin A1c", Status: "final", Value: "12",
			RefRange: "4.0–5.6 %", Category: "laboratory", Cycle: 7, FetchedAt: t}
	}
	return rs
}

// BenchmarkUpsert measures the store's upsert of one page of new rows
// (the sync's case) and of rows already stored (a re-sync).
func BenchmarkUpsert(b *testing.B) {
	b.Run("new", benchUpsertNew)
	b.Run("existing", func(b *testing.B) {
		s, _ := openTemp(b)
		rs := benchResources(0, benchPage)
		if err := s.UpsertResources(context.Background(), rs); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := s.UpsertResources(context.Background(), rs); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b)
	})
}

func benchUpsertNew(b *testing.B) {
	s, _ := openTemp(b)
	round := 0
	for b.Loop() {
		round++
		if err := s.UpsertResources(context.Background(),
			benchResources(round, benchPage)); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

// BenchmarkSavePage is BenchmarkUpsert/new as the sync calls it: each page
// with its search cursor, in one transaction.
func BenchmarkSavePage(b *testing.B) {
	s, _ := openTemp(b)
	round := 0
	for b.Loop() {
		round++
		cur := &SyncCursor{ConnectionID: "c1", Search: "Observation?category=laboratory",
			Cycle: 7, Next: fmt.Sprintf("https://x.example/fhir/r4/A?_getpages=p&o=%d", round),
			Pages: round}
		p := &Page{Resources: benchResources(round, benchPage), Cursor: cur}
		if err := s.SavePage(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

// BenchmarkPlainInsert is the baseline for BenchmarkUpsert: the same rows
// in pages of the same size, into the same kind of encrypted database, one
// transaction a page, but one plain multi-row INSERT through database/sql,
// without GORM or ON CONFLICT.
func BenchmarkPlainInsert(b *testing.B) {
	s, _ := openTemp(b)
	sqlDB, err := s.db.DB()
	if err != nil {
		b.Fatal(err)
	}
	const cols = "connection_id,type,id,raw,date,sort_time,display,status,code,value,unit," +
		"ref_range,category,removed,cycle,fetched_at"
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", 16), ",") + ")"
	q := "INSERT INTO resources (" + cols + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(row+",", benchPage), ",")
	round := 0
	for b.Loop() {
		round++
		rs := benchResources(round, benchPage)
		args := make([]any, 0, 16*len(rs))
		for _, r := range rs {
			args = append(args, r.ConnectionID, r.Type, r.ID, r.Raw, r.Date,
				r.SortTime.UTC(), r.Display, r.Status, r.Code, r.Value, r.Unit,
				r.RefRange, r.Category, r.Removed, r.Cycle, r.FetchedAt)
		}
		tx, err := sqlDB.Begin()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(q, args...); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

// reportRate reports resources per second; call it after the loop.
func reportRate(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N*benchPage)/s, "resources/s")
	}
}
