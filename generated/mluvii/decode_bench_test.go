package mluvii

import (
	"encoding/json"
	"testing"
	"time"
)

// benchVectors are the bodies the speed targets are measured on: a guest
// message, the largest response, and a nested CRM answer.
var benchVectors = []struct {
	file string
	std  func([]byte) error // encoding/json into the same generated struct
}{
	{"event.Text.json", func(b []byte) error { var v plainText; return json.Unmarshal(b, &v) }},
	{"response.GetAvailableGroupsResponse.json", func(b []byte) error { var v plainGroups; return json.Unmarshal(b, &v) }},
	{"response.ObtainCrmIdentityResponse.json", func(b []byte) error { var v plainCrm; return json.Unmarshal(b, &v) }},
	{"event.HeroCardSubmission.json", func(b []byte) error { var v plainSubmission; return json.Unmarshal(b, &v) }},
}

type (
	plainCrm        ObtainCrmIdentityResponse
	plainSubmission HeroCardSubmission
)

func decodeMap(b []byte) error {
	var m map[string]any
	return json.Unmarshal(b, &m)
}

func decodeOnce(b []byte) error {
	_, err := Decode(b)
	return err
}

// BenchmarkDecode measures Decode and its two baselines side by side:
// go test -run '^$' -bench 'BenchmarkDecode$' -benchmem ./generated/mluvii
func BenchmarkDecode(b *testing.B) {
	for _, v := range benchVectors {
		body := readVector(b, v.file)
		for _, c := range []struct {
			name string
			fn   func([]byte) error
		}{{"mluvii", decodeOnce}, {"std-struct", v.std}, {"std-map", decodeMap}} {
			b.Run(v.file+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					if err := c.fn(body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDecodeRatio reports the contract's ratios, measured in one run with
// the three decoders interleaved so that they see the same machine load:
// x-std = Decode time / encoding/json into the struct (target ≤ 1.3),
// map-x = map[string]any time / Decode time (target ≥ 4), and the allocation
// difference allocs-over-std (target ≤ 1).
//
//	go test -run '^$' -bench DecodeRatio ./generated/mluvii
func BenchmarkDecodeRatio(b *testing.B) {
	for _, v := range benchVectors {
		body := readVector(b, v.file)
		b.Run(v.file, func(b *testing.B) {
			const batch = 200
			var tGen, tStd, tMap time.Duration
			timeBatch := func(fn func([]byte) error) time.Duration {
				start := time.Now()
				for range batch {
					if err := fn(body); err != nil {
						b.Fatal(err)
					}
				}
				return time.Since(start)
			}
			for b.Loop() {
				tGen += timeBatch(decodeOnce)
				tStd += timeBatch(v.std)
				tMap += timeBatch(decodeMap)
			}
			allocGen := testing.AllocsPerRun(100, func() { _ = decodeOnce(body) })
			allocStd := testing.AllocsPerRun(100, func() { _ = v.std(body) })
			b.ReportMetric(float64(tGen)/float64(tStd), "x-std")
			b.ReportMetric(float64(tMap)/float64(tGen), "map-x")
			b.ReportMetric(allocGen-allocStd, "allocs-over-std")
			b.ReportMetric(float64(tGen.Nanoseconds())/float64(b.N*batch), "decode-ns")
		})
	}
}

// BenchmarkDecodeFlagList decodes 1 MiB flag lists (the -1s of an attacker
// and plain small numbers) and, in the same run, encoding/json decoding the
// same body into a []int64. x-std = Decode time / encoding/json time (target
// ≤ 1); bytes-per-body-byte is what Decode allocates per byte of body.
//
//	go test -run '^$' -bench DecodeFlagList ./generated/mluvii
func BenchmarkDecodeFlagList(b *testing.B) {
	for _, elem := range []string{"-1", "4"} {
		body := flagListBody(1<<20, elem)
		b.Run(elem, func(b *testing.B) {
			var std struct {
				AvailableGroups []struct {
					GroupOfflineReasons []int64
				}
			}
			var tGen, tStd time.Duration
			for b.Loop() {
				start := time.Now()
				if _, err := Decode(body); err != nil {
					b.Fatal(err)
				}
				tGen += time.Since(start)
				start = time.Now()
				if err := json.Unmarshal(body, &std); err != nil {
					b.Fatal(err)
				}
				tStd += time.Since(start)
			}
			allocated := bytesAllocated(func() { _, _ = Decode(body) })
			b.ReportMetric(float64(tGen)/float64(tStd), "x-std")
			b.ReportMetric(float64(allocated)/float64(len(body)), "bytes-per-body-byte")
		})
	}
}
