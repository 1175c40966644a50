package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

const benchRows = 1000

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
			Category: "laboratory", FetchedAt: t}
	}
	return rs
}

func BenchmarkUpsert(b *testing.B) {
	b.Run("new", func(b *testing.B) {
		s, _ := openTemp(b)
		round := 0
		for b.Loop() {
			round++
			rs := benchResources(round, benchRows)
			if err := s.UpsertResources(context.Background(), rs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("existing", func(b *testing.B) {
		s, _ := openTemp(b)
		rs := benchResources(0, benchRows)
		if err := s.UpsertResources(context.Background(), rs); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := s.UpsertResources(context.Background(), rs); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPlainInsert is the baseline for BenchmarkUpsert: the same rows,
// the same encrypted database and batch size, one transaction, but a plain
// multi-row INSERT through database/sql, without GORM or ON CONFLICT.
func BenchmarkPlainInsert(b *testing.B) {
	s, _ := openTemp(b)
	sqlDB, err := s.db.DB()
	if err != nil {
		b.Fatal(err)
	}
	cols := "connection_id,type,id,raw,date,sort_time,display,status,code,value,unit," +
		"category,removed,fetched_at"
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", 14), ",") + ")"
	round := 0
	for b.Loop() {
		round++
		rs := benchResources(round, benchRows)
		tx, err := sqlDB.Begin()
		if err != nil {
			b.Fatal(err)
		}
		for start := 0; start < len(rs); start += resourceBatch {
			batch := rs[start:min(start+resourceBatch, len(rs))]
			args := make([]any, 0, 14*len(batch))
			for _, r := range batch {
				args = append(args, r.ConnectionID, r.Type, r.ID, r.Raw, r.Date,
					r.SortTime.UTC(), r.Display, r.Status, r.Code, r.Value, r.Unit,
					r.Category, r.Removed, r.FetchedAt)
			}
			q := "INSERT INTO resources (" + cols + ") VALUES " +
				strings.TrimSuffix(strings.Repeat(row+",", len(batch)), ",")
			if _, err := tx.Exec(q, args...); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
