package fhirclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"strings"
)

// Binary is the content of a FHIR Binary: its media type and the bytes
// decoded from base64, as they are. Text stays in its own encoding; nothing
// here converts it (HEALOW.md §3: one client garbled UTF-8 notes by reading
// them as Latin-1).
type Binary struct {
	ContentType string
	Data        []byte
}

// binaryAccept asks for the Binary resource rather than its raw content
// (HEALOW.md §3).
const binaryAccept = "application/fhir+json"

// ReadBinary reads the Binary an attachment url points at: "Binary/{id}",
// or an absolute URL that Rewrite maps onto the base; any other url fails
// with ErrUnmappableLink before a request is made. maxBytes bounds the
// decoded content (0 means MaxBody); past it ReadBinary fails with
// ErrTooLarge.
//
// The answer is expected as a Binary resource with base64 data; a server
// that answers with the raw content instead (another media type) is taken
// at its word, its Content-Type kept.
func (c *Client) ReadBinary(ctx context.Context, ref string, maxBytes int64) (*Binary, error) {
	if c.baseErr != nil {
		return nil, c.baseErr
	}
	typ, id, ok := c.Reference(ref)
	if !ok || typ != "Binary" || id == "." || id == ".." || len(id) > 256 {
		return nil, fmt.Errorf("read Binary: %w", ErrUnmappableLink)
	}
	u, err := url.Parse(c.base.String() + "/Binary/" + url.PathEscape(id))
	if err != nil {
		return nil, fmt.Errorf("read Binary: %w: %v", ErrBadRequest, err)
	}
	if maxBytes <= 0 {
		maxBytes = c.MaxBody
	}
	// base64 takes 4 bytes for 3, plus the JSON around it.
	limit := maxBytes/3*4 + 4 + 64<<10
	a, err := c.get(ctx, u, call{typ: "Binary", accept: binaryAccept, maxBody: limit,
		anyType: true})
	if err != nil {
		return nil, fmt.Errorf("read Binary: %w", err)
	}
	b, err := binaryOf(a)
	if err != nil {
		return nil, fmt.Errorf("read Binary: %w", err)
	}
	if int64(len(b.Data)) > maxBytes {
		return nil, fmt.Errorf("read Binary: %w: more than %d bytes", ErrTooLarge, maxBytes)
	}
	return b, nil
}

func binaryOf(a *answer) (*Binary, error) {
	ct := a.header.Get("Content-Type")
	if checkContentType(ct) != nil {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt == "" {
			ct = "application/octet-stream"
		}
		return &Binary{ContentType: ct, Data: a.body}, nil
	}
	var r struct {
		ResourceType string `json:"resourceType"`
		ContentType  string `json:"contentType"`
		Data         string `json:"data"`
	}
	if err := json.Unmarshal(a.body, &r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	if r.ResourceType != "Binary" {
		return nil, fmt.Errorf("%w: got resourceType %q", ErrBadResponse, clean(r.ResourceType))
	}
	data, err := DecodeBase64(r.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: Binary data: %v", ErrBadResponse, err)
	}
	return &Binary{ContentType: r.ContentType, Data: data}, nil
}

// DecodeBase64 decodes FHIR base64Binary leniently: line breaks and spaces
// are dropped and missing padding is accepted.
func DecodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, s)
	}
	if len(s)%4 != 0 {
		return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	return base64.StdEncoding.DecodeString(s)
}
