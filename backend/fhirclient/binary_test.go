package fhirclient

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"testing"
)

func TestReadBinary(t *testing.T) {
	// UTF-8 text that Latin-1 decoding would garble, and bytes that are not
	// text at all.
	note := []byte("afebrile (98.4 °F) — ok\n")
	pdf := []byte("%PDF-1.4\n\x00\xff\xfe binary")
	ecw := "http://fhir4.eclinicalworks.com/fhir/r4/" + code
	tests := []struct {
		name, ref string
		answer    func(w http.ResponseWriter)
		maxBytes  int64
		wantCT    string
		want      []byte
		wantErr   error
		requests  int
	}{
		{"relative url", "Binary/b1", binaryJSON("text/plain; charset=utf-8", note), 0,
			"text/plain; charset=utf-8", note, nil, 1},
		{"absolute healow url rewritten", ecw + "/Binary/b1", binaryJSON("application/pdf", pdf),
			0, "application/pdf", pdf, nil, 1},
		{"base64 with line breaks", "Binary/b1", func(w http.ResponseWriter) {
			enc := base64.StdEncoding.EncodeToString(pdf)
			writeFHIR(w, 200, `{"resourceType":"Binary","contentType":"application/pdf",`+
				`"data":"`+enc[:8]+`\r\n`+enc[8:]+`"}`)
		}, 0, "application/pdf", pdf, nil, 1},
		{"raw content answered", "Binary/b1", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/pdf")
			w.Write(pdf)
		}, 0, "application/pdf", pdf, nil, 1},
		{"over the cap", "Binary/b1", binaryJSON("application/pdf", pdf), 4, "", nil,
			ErrTooLarge, 1},
		{"foreign host refused", "https://docs.example.org/files/b1.pdf", nil, 0, "", nil,
			ErrUnmappableLink, 0},
		{"not a Binary refused", "DocumentReference/d1", nil, 0, "", nil, ErrUnmappableLink, 0},
		{"wrong resource", "Binary/b1", func(w http.ResponseWriter) {
			writeFHIR(w, 200, outcome("nope"))
		}, 0, "", nil, ErrBadResponse, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var accept, path string
			c, rec, _ := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
				accept, path = r.Header.Get("Accept"), r.URL.Path
				tt.answer(w)
			})
			b, err := c.ReadBinary(context.Background(), tt.ref, tt.maxBytes)
			if n := rec.count(); n != tt.requests {
				t.Errorf("requests = %d, want %d", n, tt.requests)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ReadBinary(%q) err = %v, want %v", tt.ref, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadBinary(%q): %v", tt.ref, err)
			}
			if !bytes.Equal(b.Data, tt.want) || b.ContentType != tt.wantCT {
				t.Errorf("got %q %q, want %q %q", b.ContentType, b.Data, tt.wantCT, tt.want)
			}
			if accept != "application/fhir+json" {
				t.Errorf("Accept = %q, want application/fhir+json (HEALOW.md §3)", accept)
			}
			if want := "/fhir/r4/" + code + "/Binary/b1"; path != want {
				t.Errorf("path = %q, want %q", path, want)
			}
		})
	}
}

func binaryJSON(ct string, data []byte) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		writeFHIR(w, 200, `{"resourceType":"Binary","contentType":"`+ct+`","data":"`+
			base64.StdEncoding.EncodeToString(data)+`"}`)
	}
}

func TestDecodeBase64(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"padded", "aGk=", "hi"},
		{"unpadded", "aGk", "hi"},
		{"wrapped", "aGVs\nbG8=", "hello"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeBase64(tt.in)
			if err != nil || string(got) != tt.want {
				t.Errorf("DecodeBase64(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	if _, err := DecodeBase64("!!!!"); err == nil {
		t.Error("DecodeBase64 accepted garbage")
	}
}
