//go:build bench

package sync

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"sort"
	gosync "sync"
	"testing"
	"time"

	"chartkeep/backend/fhirclient"
	"chartkeep/backend/simulator"
)

type span struct {
	start, conn, wrote, first, end time.Duration
	what                           string
}

type traceRT struct {
	mu    gosync.Mutex
	t0    time.Time
	next  http.RoundTripper
	spans []span
}

func (tr *traceRT) RoundTrip(r *http.Request) (*http.Response, error) {
	sp := span{start: time.Since(tr.t0), what: r.URL.Path[len("/fhir/r4/SIMPR1"):] + "?" + r.URL.Query().Get("category") + r.URL.Query().Get("_getpagesoffset")}
	ct := &httptrace.ClientTrace{
		GotConn:              func(httptrace.GotConnInfo) { sp.conn = time.Since(tr.t0) },
		WroteRequest:         func(httptrace.WroteRequestInfo) { sp.wrote = time.Since(tr.t0) },
		GotFirstResponseByte: func() { sp.first = time.Since(tr.t0) },
	}
	r = r.WithContext(httptrace.WithClientTrace(r.Context(), ct))
	resp, err := tr.next.RoundTrip(r)
	sp.end = time.Since(tr.t0)
	tr.mu.Lock()
	tr.spans = append(tr.spans, sp)
	tr.mu.Unlock()
	return resp, err
}

type durHandler struct {
	slog.Handler
	mu  *gosync.Mutex
	out *[]string
}

func TestTrace(t *testing.T) {
	pt := syntheaPatient(t, largestSynthea)
	e := newSimEnv(t, pt, simulator.Options{Latency: benchLatency, RateLimit: benchRate})
	s := e.syncerWith(t, openStore(t), e.token(t), fhirclient.NewHealowLimiter())
	hc := e.sim.Client()
	hc.Transport.(*http.Transport).MaxIdleConnsPerHost = 32
	tr := &traceRT{next: hc.Transport}
	hc.Transport = tr
	tok := e.token(t)
	s.FHIR = fhirclient.New(e.sim.Base(simPractice), hc, func() string { return tok }, fhirclient.NewHealowLimiter())
	s.FHIR.Log = quiet
	tr.t0 = time.Now()
	res, err := s.Run(context.Background())
	t.Logf("total %v err %v partial %v", time.Since(tr.t0), err, res.Partial)
	sort.Slice(tr.spans, func(i, j int) bool { return tr.spans[i].start < tr.spans[j].start })
	for _, sp := range tr.spans {
		ms := func(d time.Duration) int64 { return d.Milliseconds() }
		t.Logf("%4d conn+%d wrote+%d first+%d end+%d  %s", ms(sp.start), ms(sp.conn-sp.start), ms(sp.wrote-sp.start), ms(sp.first-sp.start), ms(sp.end-sp.first), sp.what)
	}
}
