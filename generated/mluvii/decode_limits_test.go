package mluvii

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// nestingCases put deep nesting where each path of the reader meets it: an
// unknown member, a string map's value, a list element and a nested struct
// of a known activity, an unknown activity, and a flag list.
var nestingCases = []struct {
	name, prefix, suffix string
}{
	{"unknown member", `{"activity":"Text","sessionId":1,"text":"x","x":`, `}`},
	{"unknown member first", `{"x":`, `,"activity":"Text","sessionId":1}`},
	{"string map value", `{"activity":"HeroCardSubmission","sessionId":1,"params":{"a":`, `}}`},
	{"list element", `{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{"x":`, `}]}`},
	{"nested struct member", `{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{"groupWorkload":{"x":`, `}}]}`},
	{"unknown activity", `{"activity":"NoSuchActivity","sessionId":1,"x":`, `}`},
	{"flag list", `{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{"groupOfflineReasons":`, `}]}`},
}

// nested returns depth levels of open, innermost value 1, closed again.
func nested(depth int, open, close string) string {
	return strings.Repeat(open, depth) + "1" + strings.Repeat(close, depth)
}

// TestDecodeRefusesDeepNesting: nesting past encoding/json's limit of 10 000
// levels is a *DecodeError wherever it is (before the limit, a body of a few
// megabytes of '[' overflowed the goroutine's stack: a fatal error no recover
// catches). Up to the limit, Decode agrees with encoding/json.
func TestDecodeRefusesDeepNesting(t *testing.T) {
	for _, c := range nestingCases {
		outer := strings.Count(c.prefix, "{") + strings.Count(c.prefix, "[") - strings.Count(c.prefix, "}")
		for _, kind := range []struct{ open, close string }{{"[", "]"}, {`{"a":`, "}"}} {
			t.Run(c.name+" "+kind.open, func(t *testing.T) {
				for _, depth := range []int{maxJSONDepth - outer, maxJSONDepth - outer + 1, 100_000, 3_000_000} {
					body := []byte(c.prefix + nested(depth, kind.open, kind.close) + c.suffix)
					_, err := Decode(body)
					var de *DecodeError
					tooDeep := depth+outer > maxJSONDepth
					switch {
					case tooDeep && (!errors.As(err, &de) || !strings.Contains(de.Msg, "nesting deeper than 10000 levels")):
						t.Fatalf("depth %d: got %v, want a nesting *DecodeError", depth+outer, err)
					case tooDeep != !json.Valid(body):
						t.Fatalf("depth %d: encoding/json's Valid says %v", depth+outer, json.Valid(body))
					case !tooDeep && err != nil && strings.Contains(err.Error(), "nesting"):
						t.Fatalf("depth %d: %v", depth+outer, err)
					}
				}
			})
		}
	}
}

// TestDecodeFlagListIsBounded: a flag list of numbers decodes to at most one
// value per bit, so the result does not grow with repeated numbers (8 MiB of
// -1 allocated 1.86 GB and kept 307 MB). Allocation is counted, not timed.
func TestDecodeFlagListIsBounded(t *testing.T) {
	body := flagListBody(1<<20, "-1")
	var groups *GetAvailableGroupsResponse
	allocated := bytesAllocated(func() {
		a, err := Decode(body)
		if err != nil {
			t.Fatal(err)
		}
		groups = a.(*GetAvailableGroupsResponse)
	})
	got := groups.AvailableGroups[0].GroupOfflineReasons
	want := GroupOfflineReasons{GroupOfflineReasonBusinessHours, GroupOfflineReasonNoOperators,
		GroupOfflineReasonQueueFull, GroupOfflineReasonDeleted, GroupOfflineReasonAwayIsOffline,
		GroupOfflineReasonChannelBlocked, "-64"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flags (-want +got):\n%s", diff)
	}
	// Decode copies the body once into a string; everything else is small.
	if limit := 2 * uint64(len(body)); allocated > limit {
		t.Errorf("decoding a %d-byte flag list allocated %d bytes, want at most %d", len(body), allocated, limit)
	}
}

// TestDecodeFlagListSemantics: numbers add the bits no earlier number of the
// list added; names are kept as they come.
func TestDecodeFlagListSemantics(t *testing.T) {
	for _, c := range []struct {
		list string
		want GroupOfflineReasons
	}{
		{`[1,1,1]`, GroupOfflineReasons{GroupOfflineReasonBusinessHours}},
		{`[3,6]`, GroupOfflineReasons{GroupOfflineReasonBusinessHours, GroupOfflineReasonNoOperators, GroupOfflineReasonQueueFull}},
		{`[0,0]`, GroupOfflineReasons{GroupOfflineReasonNone}},
		{`[64,192,64]`, GroupOfflineReasons{"64", "128"}},
		{`["DELETED","DELETED",8]`, GroupOfflineReasons{GroupOfflineReasonDeleted, GroupOfflineReasonDeleted, GroupOfflineReasonDeleted}},
		{`[]`, GroupOfflineReasons{}},
	} {
		a, err := Decode([]byte(`{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{"groupOfflineReasons":` + c.list + `}]}`))
		if err != nil {
			t.Fatalf("%s: %v", c.list, err)
		}
		if diff := cmp.Diff(c.want, a.(*GetAvailableGroupsResponse).AvailableGroups[0].GroupOfflineReasons); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.list, diff)
		}
	}
}

// flagListBody is a GetAvailableGroupsResponse whose one group's flag list
// repeats elem to about size bytes.
func flagListBody(size int, elem string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{"groupOfflineReasons":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(elem)
	}
	b.WriteString(`]}]}`)
	return b.Bytes()
}

// bytesAllocated reports the bytes f allocated on the heap.
func bytesAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestDecodeErrorLogValueLeavesOutBodyText: the message of a DecodeError may
// quote the offending value; its slog form does not.
func TestDecodeErrorLogValueLeavesOutBodyText(t *testing.T) {
	for _, body := range []string{
		`{"activity":"Text","sessionId":"secret-4711","text":"x"}`,
		`{"activity":"Text","sessionId":1,"text":"x","timestamp":"secret-4711"}`,
		`{"activity":"Text","sessionId":-4711,"text":"x"}`,
		`{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{"groupId":4711e99}]}`,
		`{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{"groupId":4711.5}]}`,
	} {
		_, err := Decode([]byte(body))
		if err == nil || !strings.Contains(err.Error(), "4711") {
			t.Fatalf("%s: want an error quoting the value, got %v", body, err)
		}
		var logged bytes.Buffer
		slog.New(slog.NewTextHandler(&logged, nil)).Error("failed", "err", err)
		if strings.Contains(logged.String(), "4711") || !strings.Contains(logged.String(), "problem=") {
			t.Errorf("%s: the log line carries body content: %s", body, logged.String())
		}
	}
}

// FuzzDecodeNesting builds bodies nested to any depth, of either bracket,
// at every position of nestingCases: Decode never panics and refuses
// exactly what is deeper than the limit.
func FuzzDecodeNesting(f *testing.F) {
	for i := range nestingCases {
		f.Add(uint8(i), uint32(maxJSONDepth), false)
		f.Add(uint8(i), uint32(maxJSONDepth+1), true)
	}
	f.Fuzz(func(t *testing.T, at uint8, depth uint32, objects bool) {
		c := nestingCases[int(at)%len(nestingCases)]
		depth %= 4 * maxJSONDepth
		open, close := "[", "]"
		if objects {
			open, close = `{"a":`, "}"
		}
		body := []byte(c.prefix + nested(int(depth), open, close) + c.suffix)
		_, err := Decode(body)
		var de *DecodeError
		if err != nil && !errors.As(err, &de) {
			t.Fatalf("error %T", err)
		}
		if !json.Valid(body) && err == nil {
			t.Fatalf("depth %d accepted, encoding/json rejects it", depth)
		}
	})
}

// FuzzDecodeFlagList decodes lists of any numbers and names as flags and
// checks them against the rule: names as they come, and each bit of the
// numbers once, at the first number that has it.
func FuzzDecodeFlagList(f *testing.F) {
	f.Add(int64(-1), int64(-1), "DELETED", int64(70))
	f.Add(int64(0), int64(1), "", int64(1<<40))
	f.Fuzz(func(t *testing.T, a, b int64, name string, c int64) {
		list := fmt.Sprintf("[%d,%d,%q,%d]", a, b, name, c)
		got, err := Decode([]byte(`{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{"groupOfflineReasons":` + list + `}]}`))
		if err != nil {
			if json.Valid([]byte(list)) {
				t.Fatalf("%s: %v", list, err)
			}
			return
		}
		var seen flagBits
		var want GroupOfflineReasons
		for _, e := range []any{a, b, name, c} {
			want = append(want, flagModel(e, &seen)...)
		}
		if diff := cmp.Diff(want, got.(*GetAvailableGroupsResponse).AvailableGroups[0].GroupOfflineReasons); diff != "" {
			t.Fatalf("%s (-want +got):\n%s", list, diff)
		}
	})
}

// flagModel is the flag rule written plainly, for FuzzDecodeFlagList.
func flagModel(e any, seen *flagBits) (out GroupOfflineReasons) {
	switch e := e.(type) {
	case string:
		return GroupOfflineReasons{GroupOfflineReason(e)}
	case int64:
		if e == 0 {
			if seen.zero {
				return nil
			}
			seen.zero = true
			return GroupOfflineReasons{GroupOfflineReasonNone}
		}
		n := e &^ seen.bits
		seen.bits |= n
		for bit := 0; bit < 6; bit++ {
			if n&(1<<bit) != 0 {
				out = append(out, GroupOfflineReason([]string{"BUSINESS_HOURS", "NO_OPERATORS", "QUEUE_FULL", "DELETED", "AWAY_IS_OFFLINE", "CHANNEL_BLOCKED"}[bit]))
			}
		}
		if rest := n &^ 63; rest != 0 {
			out = append(out, GroupOfflineReason(fmt.Sprint(rest)))
		}
	}
	return out
}

// TestDecodeRefusesDataAfterNUL: a NUL byte after the root value is data,
// not the end of the body (it used to read as the end, accepting anything
// after it, and an Unknown's Raw then did not marshal).
func TestDecodeRefusesDataAfterNUL(t *testing.T) {
	for _, body := range []string{
		"{\"activity\":\"Text\",\"sessionId\":1,\"text\":\"x\"}\x00{\"activity\":\"Ping\"} garbage [[[",
		"{\"activity\":\"NoSuchActivity\",\"sessionId\":1}\x00",
		"{\"activity\":\"Text\",\"sessionId\":1,\"text\":\"x\"} \x00",
	} {
		if a, err := Decode([]byte(body)); err == nil {
			t.Errorf("%q decoded as %T; encoding/json's Valid says %v", body, a, json.Valid([]byte(body)))
		}
	}
}

// TestDecodeErrorLogValueLeavesOutKeysAndNames: map keys in the path and an
// activity name the spec does not know come from the body too.
func TestDecodeErrorLogValueLeavesOutKeysAndNames(t *testing.T) {
	for _, body := range []string{
		`{"activity":"HeroCardQuickReply","sessionId":1,"additionalParams":{"jan.novak secret-4711":5}}`,
		`{"activity":"secret-4711","sessionId":1,"x":tru}`,
	} {
		_, err := Decode([]byte(body))
		if err == nil {
			t.Fatalf("%s: no error", body)
		}
		var logged bytes.Buffer
		slog.New(slog.NewTextHandler(&logged, nil)).Error("failed", "err", err)
		if strings.Contains(logged.String(), "4711") {
			t.Errorf("%s: the log line carries body content: %s", body, logged.String())
		}
	}
	_, err := Decode([]byte(`{"activity":"HeroCardQuickReply","sessionId":1,"additionalParams":{"k":5}}`))
	var de *DecodeError
	if !errors.As(err, &de) || de.Path != "additionalParams.k" {
		t.Errorf("the error's own path lost the key: %v", err)
	}
}

// TestDecodeFlagStringIsBounded: the comma-separated form of a flag set
// keeps each name once, so a long run of the same name costs nothing.
func TestDecodeFlagStringIsBounded(t *testing.T) {
	body := []byte(`{"activity":"GetAvailableGroupsResponse","sessionId":1,"availableGroups":[{"groupOfflineReasons":"` +
		strings.Repeat("DELETED,", 1<<17) + `"}]}`)
	var a Activity
	allocated := bytesAllocated(func() {
		var err error
		if a, err = Decode(body); err != nil {
			t.Fatal(err)
		}
	})
	if got := a.(*GetAvailableGroupsResponse).AvailableGroups[0].GroupOfflineReasons; !cmp.Equal(got, GroupOfflineReasons{GroupOfflineReasonDeleted}) {
		t.Errorf("%d flag values, want the one DELETED", len(got))
	}
	if limit := 2 * uint64(len(body)); allocated > limit {
		t.Errorf("a %d-byte flag string allocated %d bytes, want at most %d", len(body), allocated, limit)
	}
}
