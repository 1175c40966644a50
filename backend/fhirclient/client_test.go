package fhirclient

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestNewRejectsInsecureBase(t *testing.T) {
	tests := []struct {
		name, base string
		ok         bool
	}{
		{"https", "https://fhir4.healow.com/fhir/r4/JAFJCD", true},
		{"trailing slash trimmed", "https://fhir4.healow.com/fhir/r4/JAFJCD/", true},
		{"http loopback", "http://127.0.0.1:8080/fhir/r4/JAFJCD", true},
		{"http localhost", "http://localhost:8080/fhir/r4/JAFJCD", true},
		{"http remote", "http://fhir4.eclinicalworks.com/fhir/r4/JAFJCD", false},
		{"no path", "https://fhir4.healow.com", false},
		{"query", "https://fhir4.healow.com/fhir/r4/X?a=b", false},
		{"relative", "/fhir/r4/JAFJCD", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hc := &http.Client{Transport: cannedPatient{}}
			c := New(tt.base, hc, func() string { return "t" }, nil)
			_, err := c.Read(context.Background(), "Patient", "1")
			insecure := errors.Is(err, ErrInsecureBase)
			if insecure == tt.ok {
				t.Errorf("New(%q): Read err = %v, want insecure %v", tt.base, err, !tt.ok)
			}
		})
	}
}

// cannedPatient answers every request with a Patient, without a network.
type cannedPatient struct{}

func (cannedPatient) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	writeFHIR(rec, 200, `{"resourceType":"Patient","id":"1"}`)
	return rec.Result(), nil
}

func TestReadEscapesID(t *testing.T) {
	var gotPath string
	c, rec, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.EscapedPath()
		writeFHIR(w, 200, `{"resourceType":"Patient","id":"a/b c"}`)
	})
	raw, err := c.Read(context.Background(), "Patient", "a/b c")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/fhir/r4/" + code + "/Patient/a%2Fb%20c"; gotPath != want {
		t.Errorf("path = %q, want %q", gotPath, want)
	}
	if !strings.Contains(string(raw), `"a/b c"`) {
		t.Errorf("body = %s", raw)
	}
	r := rec.reqs[0]
	if a := r.Header.Get("Accept"); a != "application/json+fhir" {
		t.Errorf("Accept = %q", a)
	}
	if a := rec.auths[0]; a != "Bearer tok-123" {
		t.Errorf("Authorization = %q", a)
	}
}

func TestReadRejectsBadInput(t *testing.T) {
	c, rec, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		writeFHIR(w, 200, `{"resourceType":"Patient"}`)
	})
	tests := []struct{ name, typ, id string }{
		{"dot dot", "Patient", ".."},
		{"dot", "Patient", "."},
		{"empty", "Patient", ""},
		{"type with slash", "Patient/x", "1"},
		{"lower type", "patient", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Read(context.Background(), tt.typ, tt.id)
			if !errors.Is(err, ErrBadRequest) {
				t.Errorf("Read(%q, %q) = %v, want ErrBadRequest", tt.typ, tt.id, err)
			}
		})
	}
	if n := rec.count(); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}

func TestReadWrongResourceType(t *testing.T) {
	c, _, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		writeFHIR(w, 200, outcome("all fine"))
	})
	_, err := c.Read(context.Background(), "Patient", "1")
	if !errors.Is(err, ErrBadResponse) {
		t.Errorf("err = %v, want ErrBadResponse", err)
	}
}

func TestContentTypes(t *testing.T) {
	tests := []struct {
		name, ct string
		ok       bool
	}{
		{"healow dstu2 name with charset", "application/json+fhir;charset=UTF-8", true},
		{"fhir json", "application/fhir+json", true},
		{"fhir json with fhirVersion", "application/fhir+json; fhirVersion=4.0", true},
		{"plain json", "application/json; charset=utf-8", true},
		{"upper case", "Application/JSON", true},
		{"html", "text/html; charset=utf-8", false},
		{"xml", "application/fhir+xml", false},
		{"missing", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = []string{tt.ct}
				w.Write([]byte(`{"resourceType":"Patient","id":"1"}`))
			})
			_, err := c.Read(context.Background(), "Patient", "1")
			if tt.ok && err != nil {
				t.Errorf("Content-Type %q: err = %v", tt.ct, err)
			}
			if !tt.ok && !errors.Is(err, ErrContentType) {
				t.Errorf("Content-Type %q: err = %v, want ErrContentType", tt.ct, err)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		sentinel error
		diag     string
		requests int
	}{
		{"401 expired token", 401, outcome("Token expired"), ErrUnauthorized, "Token expired", 1},
		{"400 needs category", 400,
			outcome("Does not know how to handle get operation with parameter [patient,_count]"),
			nil, "Does not know how to handle get operation with parameter [patient,_count]", 1},
		{"404 plain text body", 404, "not here", nil, "", 1},
		{"500 forever", 500, outcome("boom"), nil, "boom", 1 + DefaultMaxRetries},
		{"429 forever", 429, outcome("slow down"), ErrRateLimited, "slow down",
			1 + DefaultRateWaits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
				writeFHIR(w, tt.status, tt.body)
			})
			err := c.Search(context.Background(), "Observation",
				url.Values{"patient": {"p1"}}, func(*Page) error { return nil })
			var se *StatusError
			if !errors.As(err, &se) || se.Status != tt.status {
				t.Fatalf("err = %v, want StatusError %d", err, tt.status)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("err = %v, want %v", err, tt.sentinel)
			}
			if got := strings.Join(se.Diagnostics, "|"); got != tt.diag {
				t.Errorf("diagnostics = %q, want %q", got, tt.diag)
			}
			if n := rec.count(); n != tt.requests {
				t.Errorf("requests = %d, want %d", n, tt.requests)
			}
		})
	}
}

func TestRateLimitWaitsForNextMinute(t *testing.T) {
	calls := 0
	c, rec, clk := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			writeFHIR(w, 429, outcome("too many"))
			return
		}
		writeFHIR(w, 200, `{"resourceType":"Patient","id":"1"}`)
	})
	if _, err := c.Read(context.Background(), "Patient", "1"); err != nil {
		t.Fatal(err)
	}
	if n := rec.count(); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
	s := clk.sleeps()
	// The clock starts at 12:00:37.5: 22.5 s to the minute, plus jitter.
	if len(s) != 1 || s[0] < 22500*time.Millisecond || s[0] > 22500*time.Millisecond+rateJitter {
		t.Errorf("slept %v, want one sleep in [22.5s, 24.5s]", s)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	calls := 0
	c, _, clk := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "7")
			writeFHIR(w, 429, "")
			return
		}
		writeFHIR(w, 200, `{"resourceType":"Patient","id":"1"}`)
	})
	if _, err := c.Read(context.Background(), "Patient", "1"); err != nil {
		t.Fatal(err)
	}
	if s := clk.sleeps(); len(s) != 1 || s[0] != 7*time.Second {
		t.Errorf("slept %v, want [7s]", s)
	}
}

func TestServerErrorThenSuccess(t *testing.T) {
	calls := 0
	c, rec, clk := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls <= 2 {
			writeFHIR(w, 503, outcome("busy"))
			return
		}
		writeFHIR(w, 200, `{"resourceType":"Bundle","type":"searchset"}`)
	})
	err := c.Search(context.Background(), "Goal", nil, func(*Page) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if n := rec.count(); n != 3 {
		t.Errorf("requests = %d, want 3", n)
	}
	s := clk.sleeps()
	if len(s) != 2 || s[1] < s[0]/2 || s[1] > backoffCap {
		t.Errorf("slept %v, want two growing backoffs", s)
	}
}

func TestTimeouts(t *testing.T) {
	tests := []struct {
		name     string
		typ      string
		requests int
		ok       bool
	}{
		// Observation gets the short timeout: every attempt times out.
		{"short timeout retried then fails", "Observation", 1 + DefaultMaxRetries, false},
		// DocumentReference is slow on healow and gets the long one.
		{"slow type waits", "DocumentReference", 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-time.After(300 * time.Millisecond):
				case <-r.Context().Done():
					return
				}
				writeFHIR(w, 200, `{"resourceType":"Bundle"}`)
			})
			c.Timeout = 30 * time.Millisecond
			c.SlowTimeout = 5 * time.Second
			err := c.Search(context.Background(), tt.typ, nil, func(*Page) error { return nil })
			if (err == nil) != tt.ok {
				t.Errorf("err = %v, want ok %v", err, tt.ok)
			}
			if n := rec.count(); n != tt.requests {
				t.Errorf("requests = %d, want %d", n, tt.requests)
			}
		})
	}
}

func TestDefaultSlowTimeoutForDocumentReference(t *testing.T) {
	c := New("https://x.example/fhir/r4/A", nil, func() string { return "" }, nil)
	if !c.SlowTypes["DocumentReference"] || c.SlowTimeout < 90*time.Second {
		t.Errorf("DocumentReference timeout = %v (slow %v), want >= 90s",
			c.SlowTimeout, c.SlowTypes["DocumentReference"])
	}
}

func TestBodyLimit(t *testing.T) {
	c, _, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		writeFHIR(w, 200, `{"resourceType":"Patient","id":"`+strings.Repeat("x", 500)+`"}`)
	})
	c.MaxBody = 100
	_, err := c.Read(context.Background(), "Patient", "1")
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

func TestLimiterWaitedBeforeRequest(t *testing.T) {
	c, rec, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		writeFHIR(w, 200, `{"resourceType":"Patient","id":"1"}`)
	})
	// A limiter with no burst can never grant a token: Wait fails at once.
	c.lim = rate.NewLimiter(1, 0)
	if _, err := c.Read(context.Background(), "Patient", "1"); err == nil {
		t.Error("Read succeeded past a limiter that grants nothing")
	}
	if n := rec.count(); n != 0 {
		t.Errorf("requests = %d, want 0", n)
	}
}

func TestRedirectOutsideBaseRefused(t *testing.T) {
	foreign := &recorder{}
	fsrv := httptest.NewServer(foreign.wrap(func(w http.ResponseWriter, r *http.Request) {
		writeFHIR(w, 200, `{"resourceType":"Patient","id":"1"}`)
	}))
	defer fsrv.Close()
	c, _, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, fsrv.URL+"/fhir/r4/"+code+"/Patient/1", http.StatusFound)
	})
	if _, err := c.Read(context.Background(), "Patient", "1"); err == nil {
		t.Error("Read followed a redirect off the base")
	}
	if n := foreign.count(); n != 0 {
		t.Errorf("foreign server got %d requests, want 0", n)
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	var buf bytes.Buffer
	c, _, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		writeFHIR(w, 200, `{"resourceType":"Bundle","entry":[{"resource":`+
			`{"resourceType":"Observation","id":"o1","valueString":"SECRET-VALUE"}}]}`)
	})
	c.Log = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	err := c.Search(context.Background(), "Observation",
		url.Values{"patient": {"PATIENT-ID-42"}}, func(*Page) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "type=Observation") || !strings.Contains(out, "status=200") {
		t.Errorf("log lacks type and status: %s", out)
	}
	for _, secret := range []string{"tok-123", "PATIENT-ID-42", "SECRET-VALUE", "?"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q: %s", secret, out)
		}
	}
}
