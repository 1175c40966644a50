package fhirclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// entry formats a searchset entry the way healow does, with an odd spacing
// that must survive byte for byte.
func entry(id string) string {
	return `{"fullUrl":"http://fhir4.eclinicalworks.com/fhir/r4/` + code +
		`/Observation/` + id + `","resource":{"resourceType":"Observation",  "id":"` + id +
		`","valueString":"12"},"search":{"mode":"match"}}`
}

func page(next string, entries ...string) string {
	links := `{"relation":"self","url":"http://fhir4.eclinicalworks.com/fhir/r4/` + code + `/x"}`
	if next != "" {
		links += `,{"relation":"next","url":"` + next + `"}`
	}
	return `{"resourceType":"Bundle","type":"searchset","total":50,"link":[` + links +
		`],"entry":[` + strings.Join(entries, ",") + `]}`
}

// collect runs a search and returns its pages.
func collect(c *Client, typ string, q url.Values) ([]*Page, error) {
	var pages []*Page
	err := c.Search(context.Background(), typ, q, func(p *Page) error {
		pages = append(pages, p)
		return nil
	})
	return pages, err
}

func TestSearchFollowsRewrittenLinks(t *testing.T) {
	ecw := "http://fhir4.eclinicalworks.com/fhir/r4/" + code
	c, rec, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		switch q := r.URL.Query(); {
		case q.Get("_getpagesoffset") == "":
			writeFHIR(w, 200, page(ecw+"/Observation?_getpages=abc&_getpagesoffset=2",
				entry("o1"), entry("o2")))
		case q.Get("_getpagesoffset") == "2":
			// HAPI's usual form: the base itself with the paging query.
			writeFHIR(w, 200, page(ecw+"?_getpages=abc&_getpagesoffset=4", entry("o3")))
		default:
			writeFHIR(w, 200, page("", entry("O3")))
		}
	})
	pages, err := collect(c, "Observation", url.Values{"patient": {"p1"}, "category": {"laboratory"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range pages {
		for _, e := range p.Entries {
			var r struct{ ID string }
			json.Unmarshal(e, &r)
			ids = append(ids, r.ID)
		}
	}
	if got := strings.Join(ids, ","); got != "o1,o2,o3,O3" {
		t.Errorf("ids = %s, want o1,o2,o3,O3", got)
	}
	wantEntry := `{"resourceType":"Observation",  "id":"o1","valueString":"12"}`
	if got := string(pages[0].Entries[0]); got != wantEntry {
		t.Errorf("entry = %s, want byte-identical %s", got, wantEntry)
	}
	wantPaths := []string{
		"/fhir/r4/" + code + "/Observation?category=laboratory&patient=p1",
		"/fhir/r4/" + code + "/Observation?_getpages=abc&_getpagesoffset=2",
		"/fhir/r4/" + code + "?_getpages=abc&_getpagesoffset=4",
	}
	for i, r := range rec.reqs {
		if r.TLS == nil {
			t.Errorf("request %d not over TLS", i)
		}
		if got := r.URL.RequestURI(); i < len(wantPaths) && got != wantPaths[i] {
			t.Errorf("request %d = %s, want %s", i, got, wantPaths[i])
		}
		if rec.auths[i] != "Bearer tok-123" {
			t.Errorf("request %d Authorization = %q", i, rec.auths[i])
		}
	}
	if !strings.HasPrefix(pages[0].Next, c.Base()+"/Observation?") {
		t.Errorf("Next = %s, want under %s", pages[0].Next, c.Base())
	}
}

func TestSearchIgnoresLyingTotal(t *testing.T) {
	// healow answered a Goal search with total 50, no entries, no next link.
	c, rec, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		writeFHIR(w, 200, `{"resourceType":"Bundle","type":"searchset","total":50}`)
	})
	pages, err := collect(c, "Goal", url.Values{"patient": {"p1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 1 || len(pages[0].Entries) != 0 || rec.count() != 1 {
		t.Errorf("pages = %d, entries = %d, requests = %d; want 1, 0, 1",
			len(pages), len(pages[0].Entries), rec.count())
	}
}

func TestSearchSkipsOutcomeEntries(t *testing.T) {
	c, _, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		oo := `{"resource":` + outcome("some warning") + `,"search":{"mode":"outcome"}}`
		writeFHIR(w, 200, page("", entry("o1"), oo, `{"fullUrl":"x"}`))
	})
	pages, err := collect(c, "Observation", nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := pages[0]; len(p.Entries) != 1 || p.Outcomes != 1 {
		t.Errorf("entries = %d, outcomes = %d; want 1, 1", len(p.Entries), p.Outcomes)
	}
}

func TestSearchRefusesForeignLinks(t *testing.T) {
	foreign := &recorder{}
	fsrv := httptest.NewServer(foreign.wrap(func(w http.ResponseWriter, r *http.Request) {
		writeFHIR(w, 200, page(""))
	}))
	defer fsrv.Close()
	tests := []struct {
		name, next string
		wantErr    bool
	}{
		{"other practice code", fsrv.URL + "/fhir/r4/OTHER/Observation?_getpages=x", true},
		{"no practice code", fsrv.URL + "/Observation?_getpages=x", true},
		{"dot segments", fsrv.URL + "/fhir/r4/" + code + "/../OTHER/Observation", true},
		// Our code on a foreign host maps onto our base: the foreign host is
		// still never contacted.
		{"our code on foreign host", fsrv.URL + "/fhir/r4/" + code + "/Observation?p=2", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("p") == "2" {
					writeFHIR(w, 200, page("", entry("o2")))
					return
				}
				writeFHIR(w, 200, page(tt.next, entry("o1")))
			})
			pages, err := collect(c, "Observation", nil)
			if tt.wantErr && !errors.Is(err, ErrUnmappableLink) {
				t.Errorf("err = %v, want ErrUnmappableLink", err)
			}
			if !tt.wantErr && (err != nil || len(pages) != 2) {
				t.Errorf("err = %v, pages = %d; want nil, 2", err, len(pages))
			}
			if len(pages) == 0 || len(pages[0].Entries) != 1 {
				t.Errorf("first page not delivered before the refusal")
			}
		})
	}
	if n := foreign.count(); n != 0 {
		t.Errorf("foreign server got %d requests, want 0", n)
	}
}

func TestSearchDetectsLoops(t *testing.T) {
	base := "http://fhir4.eclinicalworks.com/fhir/r4/" + code + "/Observation"
	tests := []struct {
		name  string
		next  func(offset string) string
		pages int
	}{
		{"self link as next", func(o string) string { return base }, 1},
		{"back to page one", func(o string) string {
			if o == "" {
				return base + "?o=1"
			}
			return base
		}, 2},
		{"two page cycle", func(o string) string {
			if o == "1" {
				return base + "?o=2"
			}
			return base + "?o=1"
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
				writeFHIR(w, 200, page(tt.next(r.URL.Query().Get("o")), entry("o1")))
			})
			pages, err := collect(c, "Observation", nil)
			if !errors.Is(err, ErrPageLoop) {
				t.Errorf("err = %v, want ErrPageLoop", err)
			}
			if len(pages) != tt.pages {
				t.Errorf("pages = %d, want %d", len(pages), tt.pages)
			}
		})
	}
}

func TestSearchPageCap(t *testing.T) {
	c, rec, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		n := len(r.URL.Query().Get("o"))
		writeFHIR(w, 200, page(fmt.Sprintf("%s/Observation?o=%s", "/fhir/r4/"+code,
			strings.Repeat("x", n+1))))
	})
	c.MaxPages = 5
	_, err := collect(c, "Observation", nil)
	if !errors.Is(err, ErrTooManyPages) || rec.count() != 5 {
		t.Errorf("err = %v, requests = %d; want ErrTooManyPages, 5", err, rec.count())
	}
}

func TestSearchStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	c, rec, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		writeFHIR(w, 200, page("/fhir/r4/"+code+"/Observation?o=2", entry("o1")))
	})
	err := c.Search(context.Background(), "Observation", nil, func(*Page) error { return stop })
	if !errors.Is(err, stop) || rec.count() != 1 {
		t.Errorf("err = %v, requests = %d; want stop, 1", err, rec.count())
	}
}

func TestRewrite(t *testing.T) {
	c := New("https://fhir4.healow.com/fhir/r4/"+code, nil, func() string { return "" }, nil)
	b := "https://fhir4.healow.com/fhir/r4/" + code
	tests := []struct {
		name, link, want string
	}{
		{"ecw http host", "http://fhir4.eclinicalworks.com/fhir/r4/" + code +
			"/Observation?_getpages=a&_getpagesoffset=10",
			b + "/Observation?_getpages=a&_getpagesoffset=10"},
		{"hapi root paging", "http://fhir4.eclinicalworks.com/fhir/r4/" + code + "?_getpages=a",
			b + "?_getpages=a"},
		{"other prefix", "http://10.0.0.5:8080/api/" + code + "/Observation?x=1",
			b + "/Observation?x=1"},
		{"relative type", "Observation?x=1", b + "/Observation?x=1"},
		{"relative query", "?_getpages=a", b + "?_getpages=a"},
		{"absolute path", "/fhir/r4/" + code + "/Goal?x=1", b + "/Goal?x=1"},
		{"escaped id kept", "http://e.com/fhir/r4/" + code + "/Patient/a%2Fb", b + "/Patient/a%2Fb"},
		{"other code", "http://fhir4.eclinicalworks.com/fhir/r4/AACJCD/Observation?x=1", ""},
		{"code differs in case", "http://e.com/fhir/r4/" + strings.ToLower(code) + "/Goal", ""},
		{"no code", "https://evil.example/Observation?x=1", ""},
		{"dot dot after code", "http://e.com/fhir/r4/" + code + "/../AACJCD/Goal", ""},
		{"escaped dot dot", "http://e.com/fhir/r4/" + code + "/%2e%2e/AACJCD/Goal", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := c.Rewrite(tt.link)
			if tt.want == "" {
				if !errors.Is(err, ErrUnmappableLink) {
					t.Errorf("Rewrite(%q) = %v, %v; want ErrUnmappableLink", tt.link, u, err)
				}
				return
			}
			if err != nil || u.String() != tt.want {
				t.Errorf("Rewrite(%q) = %v, %v; want %s", tt.link, u, err, tt.want)
			}
		})
	}
}

func TestReference(t *testing.T) {
	c := New("https://fhir4.healow.com/fhir/r4/"+code, nil, func() string { return "" }, nil)
	tests := []struct {
		name, ref, typ, id string
	}{
		{"relative", "Practitioner/abc", "Practitioner", "abc"},
		{"versioned", "Practitioner/abc/_history/2", "Practitioner", "abc"},
		{"absolute on base", "https://fhir4.healow.com/fhir/r4/" + code + "/Location/L.1",
			"Location", "L.1"},
		{"ecw host", "http://fhir4.eclinicalworks.com/fhir/r4/" + code + "/Organization/o-1",
			"Organization", "o-1"},
		{"other practice", "http://fhir4.eclinicalworks.com/fhir/r4/ZZZ/Organization/o-1", "", ""},
		{"contained", "#med1", "", ""},
		{"urn", "urn:uuid:1234", "", ""},
		{"bare id", "abc", "", ""},
		{"empty", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, id, ok := c.Reference(tt.ref)
			if typ != tt.typ || id != tt.id || ok != (tt.typ != "") {
				t.Errorf("Reference(%q) = %q, %q, %v; want %q, %q", tt.ref, typ, id, ok, tt.typ, tt.id)
			}
		})
	}
}

func TestResume(t *testing.T) {
	ecw := "http://fhir4.eclinicalworks.com/fhir/r4/" + code
	c, rec, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("_getpagesoffset") {
		case "":
			writeFHIR(w, 200, page(ecw+"?_getpages=abc&_getpagesoffset=1", entry("o1")))
		case "1":
			writeFHIR(w, 200, page(ecw+"?_getpages=abc&_getpagesoffset=2", entry("o2")))
		case "2":
			writeFHIR(w, 200, page("", entry("o3")))
		default:
			writeFHIR(w, 410, outcome("Search id does not exist and may have expired"))
		}
	})
	first, err := collect(c, "Observation", nil)
	if err != nil || len(first) != 3 {
		t.Fatalf("search: %d pages, %v", len(first), err)
	}
	for i, p := range first {
		if last := i == 2; p.Last != last || (p.Next == "") != last {
			t.Errorf("page %d: Last %v Next %q", i+1, p.Last, p.Next)
		}
	}
	var got []*Page
	err = c.Resume(context.Background(), "Observation", first[0].Next, func(p *Page) error {
		got = append(got, p)
		return nil
	})
	if err != nil || len(got) != 2 || !strings.Contains(string(got[1].Entries[0]), `"o3"`) {
		t.Fatalf("resume: %d pages, %v; want pages 2 and 3", len(got), err)
	}

	tests := []struct {
		name, link string
		status     int
		sentinel   error
	}{
		{"forgotten search", c.Base() + "?_getpages=abc&_getpagesoffset=9", 410, nil},
		{"link off the base", "https://evil.example/fhir/r4/" + code + "?_getpages=abc", 0,
			ErrUnmappableLink},
		{"plain http", strings.Replace(c.Base(), "https:", "http:", 1) + "?_getpages=abc", 0,
			ErrUnmappableLink},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := rec.count()
			err := c.Resume(context.Background(), "Observation", tt.link,
				func(*Page) error { return nil })
			var se *StatusError
			switch {
			case tt.sentinel != nil && !errors.Is(err, tt.sentinel):
				t.Errorf("err = %v, want %v", err, tt.sentinel)
			case tt.status != 0 && (!errors.As(err, &se) || se.Status != tt.status):
				t.Errorf("err = %v, want HTTP %d", err, tt.status)
			}
			if tt.sentinel != nil && rec.count() != before {
				t.Errorf("a refused link was requested")
			}
		})
	}
}

func TestRefusedLinkPageIsNotLast(t *testing.T) {
	c, _, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		writeFHIR(w, 200, page("https://fhir.other-vendor.example/api/FHIR/R4/Observation?page=2",
			entry("o1")))
	})
	pages, err := collect(c, "Observation", nil)
	if !errors.Is(err, ErrUnmappableLink) || len(pages) != 1 {
		t.Fatalf("pages %d, err %v", len(pages), err)
	}
	if pages[0].Last || pages[0].Next != "" {
		t.Errorf("page with a refused link: Last %v Next %q, want neither", pages[0].Last,
			pages[0].Next)
	}
}
