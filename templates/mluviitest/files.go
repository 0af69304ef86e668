package mluviitest

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// File is a file with its name, content type and bytes: what the guest
// uploads (Session.Upload, Session.UploadToPrompt) and what the fake serves
// at the URL the bot gets.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// FileInfo describes a file the fake stores and serves.
type FileInfo struct {
	URL         string // where the fake serves it: {URL}/Storage/Get?source=…&key=…
	Name        string
	ContentType string
	Size        int
}

// What the fake stores of the guest's files (WithFileLimits).
const (
	DefaultMaxFileBytes   = 8 << 20  // one file
	DefaultMaxStoredBytes = 64 << 20 // all files together
	DefaultMaxStoredFiles = 1000     // files at once
)

// WithFileLimits bounds the files the guest uploads: a file over
// maxFileBytes is refused (Upload and UploadToPrompt return an error
// wrapping ErrFileTooLarge), and beyond maxStoredBytes or maxFiles stored
// together the oldest upload is forgotten (its URL then answers 404).
// Defaults: DefaultMaxFileBytes, DefaultMaxStoredBytes,
// DefaultMaxStoredFiles. A session's uploads are also forgotten when the
// session is released (WithEndedSessionsKept, WithSessionRetention). A
// bound <= 0 is removed. The world's media objects are not counted.
func WithFileLimits(maxFileBytes, maxStoredBytes int64, maxFiles int) Option {
	return func(c *config) { c.maxFileBytes, c.maxStoredBytes, c.maxFiles = maxFileBytes, maxStoredBytes, maxFiles }
}

// ErrFileTooLarge is wrapped by the errors of Upload and UploadToPrompt for
// a file over WithFileLimits' maxFileBytes.
var ErrFileTooLarge = errors.New("mluviitest: file too large")

// storedFile is a file the fake serves under a random key (never a path:
// keys index a map in memory).
type storedFile struct {
	key, source string // source: guestUpload or mediaObject, as in the URL
	File
	ss *sessionState // the session a guest upload belongs to; nil for a media object
}

func (f *storedFile) info(base string) FileInfo {
	return FileInfo{URL: base + "/Storage/Get?source=" + f.source + "&key=" + f.key,
		Name: f.Name, ContentType: f.ContentType, Size: len(f.Data)}
}

// fileStore holds the guest's uploads and the world's media objects.
// Guarded by Server.mu.
type fileStore struct {
	byKey  map[string]*storedFile
	media  map[string]*storedFile // by media object name
	queue  []*storedFile          // uploads, oldest first
	stored int64                  // bytes of the uploads
}

func (fs *fileStore) init(objs []MediaObject) {
	fs.byKey, fs.media = map[string]*storedFile{}, map[string]*storedFile{}
	for _, m := range objs {
		if _, dup := fs.media[m.Name]; dup {
			continue // ShareFile finds the first of a name
		}
		f := &storedFile{key: randomHex(16), source: "mediaObject",
			File: File{Name: m.Name, ContentType: contentType(m.ContentType), Data: m.Data}}
		fs.byKey[f.key], fs.media[m.Name] = f, f
	}
}

// store keeps a guest upload of session ss and returns it, forgetting the
// oldest uploads beyond the limits. Called with s.mu held.
func (s *Server) store(ss *sessionState, f File) (*storedFile, error) {
	c := &s.cfg
	if c.maxFileBytes > 0 && int64(len(f.Data)) > c.maxFileBytes {
		return nil, fmt.Errorf("%w: %s has %d bytes, over the %d of WithFileLimits", ErrFileTooLarge, f.Name, len(f.Data), c.maxFileBytes)
	}
	sf := &storedFile{key: randomHex(16), source: "guestUpload", ss: ss,
		File: File{Name: fileName(f.Name), ContentType: contentType(f.ContentType), Data: bytes.Clone(f.Data)}}
	fs := &s.files
	fs.byKey[sf.key] = sf
	fs.queue = append(fs.queue, sf)
	fs.stored += int64(len(sf.Data))
	ss.uploads = append(ss.uploads, sf)
	for len(fs.queue) > 1 && ((c.maxStoredBytes > 0 && fs.stored > c.maxStoredBytes) || (c.maxFiles > 0 && len(fs.queue) > c.maxFiles)) {
		s.forgetFile(fs.queue[0])
	}
	return sf, nil
}

// forgetFile drops a guest upload. Called with s.mu held.
func (s *Server) forgetFile(sf *storedFile) {
	fs := &s.files
	if fs.byKey[sf.key] != sf {
		return
	}
	delete(fs.byKey, sf.key)
	fs.stored -= int64(len(sf.Data))
	if i := slices.Index(fs.queue, sf); i >= 0 {
		fs.queue = slices.Delete(fs.queue, i, i+1)
	}
	sf.ss.uploads = slices.DeleteFunc(sf.ss.uploads, func(x *storedFile) bool { return x == sf })
}

// forgetFiles drops a released session's uploads. Called with s.mu held.
func (s *Server) forgetFiles(ss *sessionState) {
	for _, sf := range slices.Clone(ss.uploads) {
		s.forgetFile(sf)
	}
}

// StoredFile returns the file the fake serves at a URL it gave out (a guest
// upload or a media object), or false.
func (s *Server) StoredFile(fileURL string) (File, bool) {
	_, q, _ := strings.Cut(fileURL, "?")
	key := ""
	for _, kv := range strings.Split(q, "&") {
		if k, v, _ := strings.Cut(kv, "="); k == "key" {
			key = v
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sf := s.files.byKey[key]
	if sf == nil || !strings.HasPrefix(fileURL, s.URL+"/Storage/Get?") {
		return File{}, false
	}
	return File{Name: sf.Name, ContentType: sf.ContentType, Data: bytes.Clone(sf.Data)}, true
}

// MediaObjectURL returns the URL at which the fake serves the world's media
// object of that name (what a guest opens when the bot shares it), or false.
func (s *Server) MediaObjectURL(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sf := s.files.media[name]
	if sf == nil {
		return "", false
	}
	return sf.info(s.URL).URL, true
}

// handleFile is GET /Storage/Get?key=…: a stored file's bytes. Unknown keys
// get 404. The file is served so that a browser runs nothing in it: a
// sandbox policy, no sniffing, and as an attachment unless it is a raster
// image.
func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	sf := s.files.byKey[r.URL.Query().Get("key")]
	var f File
	if sf != nil {
		f = sf.File // Data is never changed once stored
	}
	s.mu.Unlock()
	if sf == nil {
		httpError(w, http.StatusNotFound, "no such file (unknown key, or forgotten: WithFileLimits, released session)")
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	disposition := "attachment"
	if mt, _, _ := mime.ParseMediaType(f.ContentType); slices.Contains([]string{"image/png", "image/jpeg", "image/gif", "image/webp"}, mt) {
		disposition = "inline"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": f.Name}))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.Data))
}

// contentType is a well-formed media type, or application/octet-stream.
func contentType(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "application/octet-stream"
	}
	if out := mime.FormatMediaType(mt, params); out != "" {
		return out
	}
	return "application/octet-stream"
}

// fileName is the last element of a name, without control or format
// characters (U+202E would show "ű\u202egnp.html" as an image), at most 255
// bytes; "file" when nothing is left.
func fileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, name)
	for len(name) > 255 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == "/" || name == ".." {
		return "file"
	}
	return name
}
