package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"syscall"
)

// netProblem is what kind of network failure an error is, in the terms a
// patient can act on.
type netProblem int

const (
	netNone    netProblem = iota // not a network failure
	netTimeout                   // no answer in time
	netTLS                       // the certificate was refused or TLS failed
	netDNS                       // the host name does not resolve
	netRefused                   // nothing listens at the address
	netOther                     // another transport failure
)

// classifyNet sorts a transport error. Timeouts are tested first: a TLS
// handshake or a DNS lookup that times out is a timeout to the user.
func classifyNet(err error) netProblem {
	if err == nil {
		return netNone
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return netTimeout
	}
	if isTLSError(err) {
		return netTLS
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return netDNS
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return netRefused
	}
	// Whatever else http.Client.Do fails with (a connection closed mid-way
	// gives a bare EOF) is a transport failure as well.
	var op *net.OpError
	var ue *url.Error
	if errors.As(err, &op) || errors.As(err, &ue) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return netOther
	}
	return netNone
}

func isTLSError(err error) bool {
	var (
		unknown  x509.UnknownAuthorityError
		host     x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
		constErr x509.ConstraintViolationError
	)
	return errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid) ||
		errors.As(err, &verify) || errors.As(err, &record) || errors.As(err, &alert) ||
		errors.As(err, &constErr)
}
