package directory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const fixture = "testdata/directory_bundle.json"

const h = "https://fhir4.healow.com/fhir/r4/"

// pr is a practice at the healow base for code.
func pr(code, name, city, state string) Practice {
	return Practice{Code: code, Name: name, Base: h + code, City: city, State: state}
}

// wantFixture is every practice the fixture should yield, by code.
var wantFixture = map[string]Practice{
	"JAFJCD":  pr("JAFJCD", "FHIR R4 Prodtest EMR", "Westborough", "MA"),
	"TFA001":  pr("TFA001", "Test Facility", "Irvine", "CA"),
	"TFA002":  pr("TFA002", "Test Facility", "Orlando", "FL"),
	"TFA003":  pr("TFA003", "Test Facility", "Westborough", "MA"),
	"ALRHCD":  pr("ALRHCD", "Allergy Rheumatology Associates ST PETERSBURG FL", "St Petersburg", "FL"),
	"SMJOCD":  pr("SMJOCD", "Smith & Jones Family Medicine", "Bryan", "TX"),
	"GRFACD":  pr("GRFACD", "Grayslake Foot & Ankle Center", "Grayslake", "IL"),
	"CASTCD":  pr("CASTCD", "Hospital General Castañer INC", "Castañer", "PR"),
	"CLCACD":  pr("CLCACD", "Clínica Castañer", "San Juan", "PR"),
	"EVWOCD":  pr("EVWOCD", "Every Woman's Obgyn LLC", "Stockbridge", "GA"),
	"CRHFCD":  pr("CRHFCD", "Crossett Health Foundation d/b/a Ashley County Medical Center", "Crossett", "AR"),
	"SAJUCD":  pr("SAJUCD", "SAINT JUDE'S URGENT CARE, LLC", "Houston", "TX"),
	"SYNOCD":  pr("SYNOCD", "Synergy Ortho TEST", "", ""),
	"TRSLCD":  pr("TRSLCD", "Trailing Slash Clinic (endpoint name)", "", ""),
	"WELLMED": pr("WELLMED", "WellMed Medical Group", "San Antonio", "TX"),
	"MIDOC1":  pr("MIDOC1", "Endpoint Name Only", "", ""),
	"SHARED":  pr("SHARED", "Parent Health System", "Boston", "MA"),
	"LOOPCD":  {"LOOPCD", "Demo Loopback Clinic", "http://127.0.0.1:8443/fhir/r4/LOOPCD", "", ""},
}

func loadFixture(t testing.TB) []Practice {
	t.Helper()
	f, err := os.Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ps, _, err := Parse(f)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return ps
}

func TestParseFixture(t *testing.T) {
	f, err := os.Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ps, stats, err := Parse(f)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	got := make(map[string]Practice)
	for _, p := range ps {
		if _, dup := got[p.Code]; dup {
			t.Errorf("code %s twice", p.Code)
		}
		got[p.Code] = p
	}
	for code, want := range wantFixture {
		if got[code] != want {
			t.Errorf("%s = %+v\n     want %+v", code, got[code], want)
		}
	}
	for code := range got {
		if _, ok := wantFixture[code]; !ok {
			t.Errorf("unexpected practice %+v", got[code])
		}
	}
	// Dropped: Location, no id, duplicate JAFJCD, http, off, query; the
	// orphan Organization is merged away, not counted.
	if stats.Entries != 41 || stats.Dropped != 6 {
		t.Errorf("stats = %+v, want 41 entries, 6 dropped", stats)
	}
	for i := 1; i < len(ps); i++ {
		if ps[i-1].Name > ps[i].Name {
			t.Errorf("not sorted by name: %q before %q", ps[i-1].Name, ps[i].Name)
		}
	}
}

func TestParseRejects(t *testing.T) {
	cases := []struct{ name, body string }{
		{"array", `[{"id":"X"}]`},
		{"other resource", `{"resourceType":"Patient","entry":[]}`},
		{"no resourceType", `{"entry":[]}`},
		{"truncated", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Endpoint",`},
		{"entry not an array", `{"resourceType":"Bundle","entry":{}}`},
		{"empty", ``},
		{"html", `<html>maintenance</html>`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := Parse(strings.NewReader(tc.body)); !errors.Is(err, ErrFormat) {
				t.Errorf("Parse(%q) = %v, want ErrFormat", tc.body, err)
			}
		})
	}
}

// generatedBundle streams a Bundle of n Endpoint+Organization pairs.
func generatedBundle(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		fmt.Fprint(pw, `{"resourceType":"Bundle","type":"collection","entry":[`)
		for i := range n {
			if i > 0 {
				fmt.Fprint(pw, ",")
			}
			fmt.Fprintf(pw, `{"resource":{"resourceType":"Endpoint","id":"C%05d","address":"%sC%05d"}},`+
				`{"resource":{"resourceType":"Organization","id":"C%05d","name":"Practice %d",`+
				`"address":[{"city":"City %d","state":"ST"}]}}`, i, h, i, i, i, i)
		}
		fmt.Fprint(pw, `]}`)
		pw.Close()
	}()
	return pr
}

func TestParseLiveSize(t *testing.T) {
	ps, stats, err := Parse(generatedBundle(8500)) // 17,000 entries, as live
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(ps) != 8500 || stats.Entries != 17000 || stats.Dropped != 0 {
		t.Errorf("%d practices, stats %+v", len(ps), stats)
	}
	if ps[0].City == "" || !strings.HasPrefix(ps[0].Name, "Practice ") {
		t.Errorf("first = %+v", ps[0])
	}
}

func TestFetch(t *testing.T) {
	body, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name        string
		contentType string
		status      int
		limit       int64
		delay       time.Duration
		wantErr     error
		errText     string
	}{
		{name: "healow content type", contentType: "application/json+fhir;charset=UTF-8", status: 200},
		{name: "fhir json", contentType: "application/fhir+json", status: 200},
		{name: "plain json", contentType: "application/json; charset=utf-8", status: 200},
		{name: "html", contentType: "text/html", status: 200, wantErr: ErrFormat},
		{name: "server error", contentType: "application/json", status: 503, errText: "HTTP 503"},
		{name: "too large", contentType: "application/json", status: 200,
			limit: int64(len(body) / 2), wantErr: ErrTooLarge},
		{name: "exactly the limit", contentType: "application/json", status: 200, limit: int64(len(body))},
		{name: "too slow", contentType: "application/json", status: 200,
			delay: 2 * time.Second, wantErr: context.DeadlineExceeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var gotAccept atomic.Value
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotAccept.Store(r.Header.Get("Accept"))
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				if tc.delay > 0 {
					select {
					case <-time.After(tc.delay):
					case <-r.Context().Done():
						return
					}
				}
				_, _ = w.Write(body)
			}))
			defer srv.Close()
			limit := tc.limit
			if limit == 0 {
				limit = MaxBodyBytes
			}
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			ps, err := fetch(ctx, srv.Client(), srv.URL+"/apps/api/v1/fhir/activated_clinical_endpoints", limit)
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("Fetch = %v, want %v", err, tc.wantErr)
				}
			case tc.errText != "":
				if err == nil || !strings.Contains(err.Error(), tc.errText) {
					t.Errorf("Fetch = %v, want %q", err, tc.errText)
				}
			case err != nil:
				t.Fatalf("Fetch: %v", err)
			case len(ps) != len(wantFixture):
				t.Errorf("Fetch returned %d practices, want %d", len(ps), len(wantFixture))
			}
			if a, _ := gotAccept.Load().(string); !strings.Contains(a, "application/fhir+json") {
				t.Errorf("Accept = %q", a)
			}
		})
	}
}

func TestFetchRefusesInsecure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://connect4.example/dir", http.StatusFound)
	}))
	defer srv.Close()
	cases := []struct{ name, url, errText string }{
		{"plain http host", "http://connect4.healow.com/apps/api/v1/fhir/x", "not https"},
		{"no scheme", "connect4.healow.com/apps", "not https"},
		{"redirect to http", srv.URL + "/dir?page=1", "refused redirect"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Fetch(context.Background(), srv.Client(), tc.url)
			if err == nil || !strings.Contains(err.Error(), tc.errText) {
				t.Errorf("Fetch(%q) = %v, want %q", tc.url, err, tc.errText)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"double spaces", "Aa Womens  Health  MONTCLAIR CA", "Aa Womens Health MONTCLAIR CA"},
		{"escaped apostrophe", `Women\\'s Health`, "Women's Health"},
		{"single escape", `SAINT JUDE\'S`, "SAINT JUDE'S"},
		{"escaped slash", `d\/b\/a`, "d/b/a"},
		{"escaped quote", `The \"Best\" Clinic`, `The "Best" Clinic`},
		{"percent encoded", "APEX%20HEART%20%26%20VASCULAR%20CENTER%20PA", "APEX HEART & VASCULAR CENTER PA"},
		{"percent with spaces kept", "100% Care Clinic", "100% Care Clinic"},
		{"html entity", "Kidney &amp; Hypertension", "Kidney & Hypertension"},
		{"plain ampersand", "Texas A&M Physicians", "Texas A&M Physicians"},
		{"accents kept", "Hospital General Castañer INC", "Hospital General Castañer INC"},
		{"accents composed", "Castan\u0303er", "Castañer"},
		{"control chars", "Bad\tName\x00Here\n", "Bad Name Here"},
		{"trim", "  Padded  ", "Padded"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := CleanName(tc.in); got != tc.want {
				t.Errorf("CleanName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if n := len([]rune(CleanName(strings.Repeat("ab ", 500)))); n > maxNameRunes {
		t.Errorf("CleanName kept %d runes", n)
	}
}

func TestIsTestTenant(t *testing.T) {
	cases := []struct {
		name string
		test bool
	}{
		{"Test Facility", true},
		{"FHIR R4 Prodtest EMR", true},
		{"FHIR R4 Sandbox EMR", true},
		{"Community Health Center, Inc. - TEST", true},
		{"Cameron Amadio- test", true},
		{"IO Management - TEST ENVIRONMENT", true},
		{"Synergy%20Ortho%20TEST", true},
		{"ACME TRAIN clinic", true},
		{"Testa Family Medicine", false},
		{"COVID Testing Center", false},
		{"Athletic Training Center", false},
		{"Gastrointestinal Associates", false},
		{"Habersham Primary Care Demorest GA", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsTestTenant(Practice{Name: tc.name}); got != tc.test {
				t.Errorf("IsTestTenant(%q) = %v, want %v", tc.name, got, tc.test)
			}
		})
	}
}
