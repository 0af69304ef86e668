package mluvii

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// authorized checks the callback secret in the query, the header and Basic
// credentials. Only headers and the URL are looked at: the body is not read
// for a request that fails. Comparing SHA-256 digests keeps the time spent
// independent of where, or whether, the lengths differ.
func (d *Dispatcher) authorized(r *http.Request) bool {
	if !d.cfg.secretSet {
		return true
	}
	var given []string
	if d.cfg.secretParam != "" {
		if v := r.URL.Query().Get(d.cfg.secretParam); v != "" {
			given = append(given, v)
		}
	}
	if d.cfg.secretHeader != "" {
		if v := r.Header.Get(d.cfg.secretHeader); v != "" {
			given = append(given, v)
		}
	}
	if _, pass, ok := r.BasicAuth(); ok && pass != "" {
		given = append(given, pass)
	}
	match := 0
	for _, g := range given {
		gs := sha256.Sum256([]byte(g))
		for _, s := range d.cfg.secrets {
			ss := sha256.Sum256([]byte(s))
			match |= subtle.ConstantTimeCompare(gs[:], ss[:])
		}
	}
	return match == 1
}

// readBody reads the whole body within the size limit and the read deadline.
// On failure it returns the status to answer: 413 when too large, 408 when too
// slow, 400 when the connection broke. A failed connection is closed after
// the answer rather than drained: draining would wait on the same sender.
func (d *Dispatcher) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int) {
	if r.ContentLength > d.cfg.maxBody {
		d.stats.tooLarge.Add(1)
		closeUnread(w)
		return nil, http.StatusRequestEntityTooLarge
	}
	rc := http.NewResponseController(w)
	// Not every ResponseWriter supports deadlines (httptest's recorder does
	// not); then the server's own timeouts are all there is.
	deadline := rc.SetReadDeadline(time.Now().Add(d.cfg.readTimeout)) == nil
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, d.cfg.maxBody))
	if err == nil {
		if deadline {
			// Lift it again: the server's background read on a kept-alive
			// connection would take an expired deadline for a broken one.
			_ = rc.SetReadDeadline(time.Time{})
		}
		return body, 0
	}
	closeUnread(w) // the rest of the body is not read either
	var tooLarge *http.MaxBytesError
	var netErr net.Error
	switch {
	case errors.As(err, &tooLarge):
		d.stats.tooLarge.Add(1)
		return nil, http.StatusRequestEntityTooLarge
	case errors.As(err, &netErr) && netErr.Timeout():
		d.stats.readErrors.Add(1)
		return nil, http.StatusRequestTimeout
	default:
		d.stats.readErrors.Add(1)
		return nil, http.StatusBadRequest
	}
}

// answerUnread answers status without reading the request's body. When a
// body was announced (or always, with close), the connection is closed
// rather than kept: see closeUnread.
func answerUnread(w http.ResponseWriter, r *http.Request, status int, close bool) {
	if close || r.ContentLength != 0 {
		closeUnread(w)
	}
	w.WriteHeader(status)
}

// closeUnread makes the answer go out at once and the connection close
// without the unread body. Left alone, net/http reads a small unread body
// before writing the answer, to keep the connection, and again after it: a
// client announcing a body it never sends would hold the connection and get
// no answer. Connection: close skips the first read, an expired read deadline
// ends the second at once.
func closeUnread(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	// Not every ResponseWriter supports deadlines (httptest's recorder
	// does not); then there is no connection to keep either.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
}
