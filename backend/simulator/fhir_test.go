package simulator

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFHIRAuth(t *testing.T) {
	e := newEnv(t, Options{TokenTTL: time.Minute})
	good := e.accessToken(testPractice)
	other := e.accessToken(otherPractice)
	patient := e.base(testPractice) + "/Patient/" + e.pt.ID()
	cases := []struct {
		name   string
		prep   func()
		token  string
		status int
	}{
		{"valid", nil, good, 200},
		{"no token", nil, "", 401},
		{"unknown token", nil, randomToken(), 401},
		{"token of another practice", nil, other, 401},
		{"expired token", func() { e.clock.Advance(time.Minute) }, good, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prep != nil {
				tc.prep()
			}
			res := e.get(patient, tc.token)
			if res.status != tc.status {
				t.Fatalf("status = %d, want %d: %.200s", res.status, tc.status, res.body)
			}
			if tc.status == 401 {
				if d := diagnostics(t, res); d == "" {
					t.Fatal("401 OperationOutcome without diagnostics")
				}
				if res.header.Get("Content-Type") != wantFHIRType {
					t.Fatalf("Content-Type = %q", res.header.Get("Content-Type"))
				}
			}
		})
	}
}

func TestExpireTokens(t *testing.T) {
	e := newEnv(t, Options{})
	old := e.accessToken(testPractice)
	e.s.ExpireTokens()
	patient := e.base(testPractice) + "/Patient/" + e.pt.ID()
	if res := e.get(patient, old); res.status != 401 {
		t.Fatalf("token after ExpireTokens: %d, want 401", res.status)
	}
	if res := e.get(patient, e.accessToken(testPractice)); res.status != 200 {
		t.Fatalf("token issued after ExpireTokens: %d, want 200", res.status)
	}
}

func TestRead(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.accessToken(testPractice)
	obs := firstID(t, e.pt.Served()["Observation"])
	prac := firstID(t, e.pt.Served()["Practitioner"])
	enc := firstID(t, e.pt.Served()["Encounter"])
	cases := []struct {
		name, path string
		status     int
	}{
		{"own patient", "/Patient/" + e.pt.ID(), 200},
		{"other patient", "/Patient/" + e.other.ID(), 404},
		{"observation", "/Observation/" + obs, 200},
		{"practitioner", "/Practitioner/" + prac, 200},
		{"id in other case", "/Observation/" + strings.ToUpper(obs), 404},
		{"type outside the scopes", "/Encounter/" + enc, 403},
		{"unknown id", "/Observation/nope", 404},
		{"history is not supported", "/Observation/" + obs + "/_history/1", 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := e.get(e.base(testPractice)+tc.path, tok)
			if res.status != tc.status || res.header.Get("Content-Type") != wantFHIRType {
				t.Fatalf("got %d %q, want %d %q", res.status, res.header.Get("Content-Type"),
					tc.status, wantFHIRType)
			}
			if tc.status != 200 {
				diagnostics(t, res)
				return
			}
			want, _ := e.pt.Read(strings.Split(tc.path, "/")[1], strings.Split(tc.path, "/")[2])
			if res.body != string(want) {
				t.Fatal("read body differs from the stored bytes")
			}
		})
	}
}

func TestReadBinary(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.accessToken(testPractice)
	res := e.get(e.base(testPractice)+"/Binary/"+binaryIDOf(t, e), tok)
	m := decode(t, res.body)
	if res.status != 200 || m["resourceType"] != "Binary" || m["contentType"] == "" || m["data"] == "" {
		t.Fatalf("Binary read: %d %.200s", res.status, res.body)
	}
}

// binaryIDOf finds a Binary referenced by the demo patient's documents.
func binaryIDOf(t *testing.T, e *env) string {
	t.Helper()
	for _, id := range e.pt.Served()["DocumentReference"] {
		raw, _ := e.pt.Read("DocumentReference", id)
		var doc struct {
			Content []struct {
				Attachment struct{ URL string } `json:"attachment"`
			} `json:"content"`
		}
		_ = json.Unmarshal(raw, &doc)
		for _, c := range doc.Content {
			if i := strings.LastIndex(c.Attachment.URL, "Binary/"); i >= 0 {
				return c.Attachment.URL[i+len("Binary/"):]
			}
		}
	}
	t.Fatal("the demo patient has no Binary attachment")
	return ""
}

func firstID(t *testing.T, ids []string) string {
	t.Helper()
	if len(ids) == 0 {
		t.Fatal("no id of that type in the demo patient")
	}
	return ids[0]
}

// search follows one search through all its pages, rewriting each next
// link onto the https base as a correct client must.
func (e *env) search(t *testing.T, tok, typ string, q url.Values) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	next := e.base(testPractice) + "/" + typ + "?" + q.Encode()
	for pages := 0; next != ""; pages++ {
		if pages > 50 {
			t.Fatal("more than 50 pages")
		}
		b := e.bundle(t, next, tok)
		for _, en := range b.Entry {
			out = append(out, en.Resource)
		}
		next = ""
		if l := link(b, "next"); l != "" {
			next = e.rewrite(t, l)
		}
	}
	return out
}

func (e *env) bundle(t *testing.T, u, tok string) searchBundle {
	t.Helper()
	res := e.get(u, tok)
	if res.status != 200 || res.header.Get("Content-Type") != wantFHIRType {
		t.Fatalf("GET %s: %d %q %.300s", u, res.status, res.header.Get("Content-Type"), res.body)
	}
	var b searchBundle
	if err := json.Unmarshal([]byte(res.body), &b); err != nil {
		t.Fatal(err)
	}
	if b.ResourceType != "Bundle" || b.Type != "searchset" {
		t.Fatalf("not a searchset Bundle: %.200s", res.body)
	}
	return b
}

func link(b searchBundle, rel string) string {
	for _, l := range b.Link {
		if l.Relation == rel {
			return l.URL
		}
	}
	return ""
}

func (e *env) rewrite(t *testing.T, l string) string {
	t.Helper()
	prefix := "http://" + DefaultLinkHost + fhirPrefix + testPractice
	rest, ok := strings.CutPrefix(l, prefix)
	if !ok {
		t.Fatalf("link %q is not on %s", l, prefix)
	}
	return e.base(testPractice) + rest
}

func ids(t *testing.T, raws []json.RawMessage) []string {
	t.Helper()
	var out []string
	for _, r := range raws {
		var head struct{ ID string }
		if err := json.Unmarshal(r, &head); err != nil {
			t.Fatal(err)
		}
		out = append(out, head.ID)
	}
	return out
}

func TestSearchErrors(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.accessToken(testPractice)
	cases := []struct {
		name, typ string
		q         url.Values
		status    int
		diag      string
	}{
		{"Observation without category", "Observation", url.Values{"patient": {e.pt.ID()}}, 400,
			"Does not know how to handle get operation with parameter [patient]"},
		{"Observation with patient and _count", "Observation",
			url.Values{"patient": {e.pt.ID()}, "_count": {"10"}}, 400,
			"Does not know how to handle get operation with parameter [patient,_count]"},
		{"unknown parameter", "Observation",
			url.Values{"patient": {e.pt.ID()}, "category": {"laboratory"}, "date": {"2020"}}, 400, "date"},
		{"bad _count", "Observation",
			url.Values{"patient": {e.pt.ID()}, "category": {"laboratory"}, "_count": {"ten"}}, 400, "_count"},
		{"another patient", "Observation",
			url.Values{"patient": {e.other.ID()}, "category": {"laboratory"}}, 403, "patient"},
		{"type outside the scopes", "Encounter", url.Values{"patient": {e.pt.ID()}}, 403, "Encounter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := e.get(e.base(testPractice)+"/"+tc.typ+"?"+tc.q.Encode(), tok)
			if res.status != tc.status || res.header.Get("Content-Type") != wantFHIRType {
				t.Fatalf("got %d %q, want %d", res.status, res.header.Get("Content-Type"), tc.status)
			}
			if d := diagnostics(t, res); !strings.Contains(d, tc.diag) {
				t.Fatalf("diagnostics = %q, want it to contain %q", d, tc.diag)
			}
		})
	}
}

func TestPaging(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.accessToken(testPractice)
	q := url.Values{"patient": {e.pt.ID()}, "category": {"vital-signs"}}
	want, err := e.pt.Search("Observation", q)
	if err != nil || len(want) <= 20 {
		t.Fatalf("demo patient has %d vital signs (%v), want > 20", len(want), err)
	}

	q.Set("_count", "10")
	first := e.bundle(t, e.base(testPractice)+"/Observation?"+q.Encode(), tok)
	linkPrefix := "http://" + DefaultLinkHost + fhirPrefix + testPractice + "/"
	if self := link(first, "self"); !strings.HasPrefix(self, linkPrefix+"Observation?") {
		t.Errorf("self link = %q, want plain http on %s", self, DefaultLinkHost)
	}
	next := link(first, "next")
	if !strings.HasPrefix(next, linkPrefix[:len(linkPrefix)-1]+"?_getpages=") ||
		!strings.Contains(next, "_getpagesoffset=10") || !strings.Contains(next, "_bundletype=searchset") {
		t.Errorf("next link = %q, want HAPI paging on %s", next, DefaultLinkHost)
	}
	for _, en := range first.Entry {
		if !strings.HasPrefix(en.FullURL, linkPrefix+"Observation/") {
			t.Fatalf("fullUrl = %q, want plain http on %s", en.FullURL, DefaultLinkHost)
		}
	}
	if first.Total != 10 || len(first.Entry) != 10 {
		t.Errorf("total = %d with %d entries, want the lie 10 with 10 entries", first.Total, len(first.Entry))
	}

	got := e.search(t, tok, "Observation", q)
	if !slices.Equal(ids(t, got), ids(t, want)) {
		t.Fatalf("paged ids = %v\nwant %v", ids(t, got), ids(t, want))
	}

	// The next link is also accepted with the type in the path.
	typed := strings.Replace(e.rewrite(t, next), testPractice+"?", testPractice+"/Observation?", 1)
	if b := e.bundle(t, typed, tok); len(b.Entry) != 10 {
		t.Errorf("typed page: %d entries", len(b.Entry))
	}
}

func TestPageSizes(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.accessToken(testPractice)
	q := func(cat, count string) string {
		v := url.Values{"patient": {e.pt.ID()}, "category": {cat}}
		if count != "" {
			v.Set("_count", count)
		}
		return e.base(testPractice) + "/Observation?" + v.Encode()
	}
	n, _ := e.pt.Search("Observation", url.Values{"patient": {e.pt.ID()}, "category": {"vital-signs"}})
	cases := []struct {
		name, url   string
		total, size int
		hasNext     bool
	}{
		{"default _count", q("vital-signs", ""), DefaultPageSize,
			min(len(n), DefaultPageSize), len(n) > DefaultPageSize},
		{"capped _count", q("vital-signs", "500"), DefaultMaxPageSize, min(len(n), DefaultMaxPageSize), false},
		{"empty result still claims a total", q("exam", "50"), 50, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := e.bundle(t, tc.url, tok)
			if b.Total != tc.total || len(b.Entry) != tc.size || (link(b, "next") != "") != tc.hasNext {
				t.Fatalf("total %d, %d entries, next %q; want %d, %d, next=%v",
					b.Total, len(b.Entry), link(b, "next"), tc.total, tc.size, tc.hasNext)
			}
		})
	}
}

func TestPageCursorIsBound(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.accessToken(testPractice)
	q := url.Values{"patient": {e.pt.ID()}, "category": {"vital-signs"}, "_count": {"5"}}
	next := e.rewrite(t, link(e.bundle(t, e.base(testPractice)+"/Observation?"+q.Encode(), tok), "next"))
	cases := []struct {
		name, url, token string
		status           int
	}{
		{"unknown cursor", strings.Replace(next, "_getpages=", "_getpages=x", 1), tok, 410},
		{"other practice", strings.Replace(next, testPractice, otherPractice, 1),
			e.accessToken(otherPractice), 410},
		{"bad offset", strings.Replace(next, "_getpagesoffset=5", "_getpagesoffset=-5", 1), tok, 400},
		{"no token", next, "", 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if res := e.get(tc.url, tc.token); res.status != tc.status {
				t.Fatalf("status %d, want %d", res.status, tc.status)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	q := url.Values{"category": {"vital-signs"}, "_count": {"10"}}
	cases := []struct {
		name  string
		fault func(f *Faults)
		check func(t *testing.T, e *env, tok string, first searchBundle)
	}{
		{"page 2 fails", func(f *Faults) { f.FailPage("Observation", 2) },
			func(t *testing.T, e *env, tok string, first searchBundle) {
				res := e.get(e.rewrite(t, link(first, "next")), tok)
				if res.status != 500 {
					t.Fatalf("page 2: %d, want 500", res.status)
				}
				diagnostics(t, res)
			}},
		{"next link loops", func(f *Faults) { f.SetLinks(LinksLoop) },
			func(t *testing.T, e *env, tok string, first searchBundle) {
				if link(first, "next") != link(first, "self") {
					t.Fatalf("next %q != self %q", link(first, "next"), link(first, "self"))
				}
			}},
		{"next link on a foreign host", func(f *Faults) { f.SetLinks(LinksForeign) },
			func(t *testing.T, e *env, tok string, first searchBundle) {
				if !strings.HasPrefix(link(first, "next"), ForeignNextLink) {
					t.Fatalf("next = %q", link(first, "next"))
				}
			}},
		{"removed resource", nil,
			func(t *testing.T, e *env, tok string, first searchBundle) {
				id := ids(t, []json.RawMessage{first.Entry[0].Resource})[0]
				e.s.Faults().Remove("Observation", id)
				if res := e.get(e.base(testPractice)+"/Observation/"+id, tok); res.status != 410 {
					t.Fatalf("read of removed: %d, want 410", res.status)
				}
				for _, got := range ids(t, e.search(t, tok, "Observation", q)) {
					if got == id {
						t.Fatal("search still returns the removed resource")
					}
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			q.Set("patient", e.pt.ID())
			if tc.fault != nil {
				tc.fault(e.s.Faults())
			}
			tok := e.accessToken(testPractice)
			tc.check(t, e, tok, e.bundle(t, e.base(testPractice)+"/Observation?"+q.Encode(), tok))
			e.s.Faults().Reset()
			b := e.bundle(t, e.base(testPractice)+"/Observation?"+q.Encode(), tok)
			if link(b, "next") == link(b, "self") {
				t.Fatal("Reset did not clear the link mode")
			}
		})
	}
}
