package simulator

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestIssueToken(t *testing.T) {
	e := newEnv(t, Options{})
	patient := e.base(testPractice) + "/Patient/" + e.pt.ID()
	tests := []struct {
		name             string
		practice, pt     string
		scopes           []string
		ttl              time.Duration
		wantErr          error
		status, advanced int
	}{
		{"all read scopes", testPractice, e.pt.ID(), nil, time.Minute, nil, 200, 0},
		{"narrow scopes", testPractice, e.pt.ID(), []string{"patient/Goal.read"}, time.Minute,
			nil, 403, 0},
		{"expired", testPractice, e.pt.ID(), nil, time.Minute, nil, 401, 61},
		{"unknown practice", "NOPE", e.pt.ID(), nil, 0, ErrUnknownPractice, 0, 0},
		{"patient of another practice", testPractice, e.other.ID(), nil, 0, ErrUnknownPatient,
			0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := e.s.IssueToken(tt.practice, tt.pt, tt.scopes, tt.ttl)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("IssueToken: %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			e.clock.Advance(time.Duration(tt.advanced) * time.Second)
			if res := e.get(patient, tok); res.status != tt.status {
				t.Errorf("read with the token: %d, want %d", res.status, tt.status)
			}
		})
	}
	tok, _ := e.s.IssueToken(testPractice, e.pt.ID(), nil, time.Hour)
	e.s.ExpireTokens()
	if res := e.get(patient, tok); res.status != 401 {
		t.Errorf("minted token after ExpireTokens: %d, want 401", res.status)
	}
}

func TestExpirePages(t *testing.T) {
	e := newEnv(t, Options{PageSize: 2})
	tok, _ := e.s.IssueToken(testPractice, e.pt.ID(), nil, time.Hour)
	q := url.Values{"patient": {e.pt.ID()}, "category": {"vital-signs"}}
	first := e.bundle(t, e.base(testPractice)+"/Observation?"+q.Encode(), tok)
	next := e.rewrite(t, link(first, "next"))
	if res := e.get(next, tok); res.status != 200 {
		t.Fatalf("next page: %d", res.status)
	}
	e.s.ExpirePages()
	if res := e.get(next, tok); res.status != http.StatusGone {
		t.Errorf("next page after ExpirePages: %d, want 410", res.status)
	}
}

func TestBinaryByAccept(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.accessToken(testPractice)
	u := e.base(testPractice) + "/Binary/" + binaryIDOf(t, e)
	fhir := e.get(u, tok)
	bin := decode(t, fhir.body)
	ct, _ := bin["contentType"].(string)
	enc, _ := bin["data"].(string)
	data, _ := base64.StdEncoding.DecodeString(enc)
	tests := []struct {
		accept, wantType string
		raw              bool
	}{
		{"application/fhir+json", wantFHIRType, false},
		{"application/json+fhir", wantFHIRType, false},
		{"application/json, text/plain;q=0.5", wantFHIRType, false},
		{"*/*", ct, true},
		{"", ct, true},
		{"application/pdf", ct, true},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			res := e.do(req)
			if res.status != 200 || res.header.Get("Content-Type") != tt.wantType {
				t.Fatalf("got %d %q, want 200 %q", res.status, res.header.Get("Content-Type"),
					tt.wantType)
			}
			if tt.raw && res.body != string(data) {
				t.Error("raw body differs from the Binary's data")
			}
			if !tt.raw && res.body != fhir.body {
				t.Error("FHIR body differs from the stored Binary")
			}
		})
	}
}
