package main

import (
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

func TestExampleWorld(t *testing.T) {
	w, err := loadWorld("world.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Groups) != 2 || w.Groups[0].State != "ONLINE" || w.Groups[1].OfflineReasons[0] != "BUSINESS_HOURS" ||
		w.Groups[0].Workload.MaxSlots != 10 || !w.Groups[1].Queue.IsQueueFull {
		t.Errorf("groups = %+v", w.Groups)
	}
	if len(w.Operators) != 2 || !w.Operators[0].Available || w.Operators[1].Available || w.Operators[0].Name != "Jana Nováková" {
		t.Errorf("operators = %+v", w.Operators)
	}
	if len(w.HeroCards) != 2 || strings.Join(w.HeroCardFields[1], ",") != "name,email,phone" {
		t.Errorf("hero cards = %+v, fields %v", w.HeroCards, w.HeroCardFields)
	}
	if len(w.MediaObjects) != 2 || len(w.CRMIdentities) != 1 || w.CRMIdentities[0].Data["oo1_guest_email"][0] == "" {
		t.Errorf("media %+v, contacts %+v", w.MediaObjects, w.CRMIdentities)
	}
	if m := w.MediaObjects; m[0].ContentType != "application/pdf" || m[1].ContentType != "text/plain" ||
		!strings.Contains(string(m[1].Data), "mediaObjects:") {
		t.Errorf("media objects' types and bytes: %q %q %d bytes", m[0].ContentType, m[1].ContentType, len(m[1].Data))
	}
	if w.CallParams["customerId"] != "42" || w.Language != "cs" {
		t.Errorf("call params %v, language %q", w.CallParams, w.Language)
	}
}

func TestParseWorld(t *testing.T) {
	def := mluviitest.DefaultWorld()
	// Sections left out keep the default; an empty list empties one.
	w, err := parseWorld([]byte("operators: []\ngroups:\n  - {id: 9, name: Night, state: busy}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Operators) != 0 || len(w.Groups) != 1 || w.Groups[0].State != "BUSY" ||
		len(w.HeroCards) != len(def.HeroCards) || len(w.MediaObjects) != len(def.MediaObjects) {
		t.Errorf("world = %+v", w)
	}
	if w, err := parseWorld(nil); err != nil || len(w.Groups) != len(def.Groups) {
		t.Errorf("empty file: %+v, %v", w, err)
	}
	if w, err := parseWorld([]byte("groups:\n  - {id: 1}\n")); err != nil || w.Groups[0].State != "ONLINE" {
		t.Errorf("group without state: %+v, %v", w, err)
	}
	for in, msg := range map[string]string{
		"groups:\n  - {id: 1, state: ASLEEP}\n":                       `groups[0]: state "ASLEEP" is none of OFFLINE, ONLINE, BUSY`,
		"groups:\n  - {id: 1, state: OFFLINE, offlineReasons: [x]}\n": `offline reason "X" is none of`,
		"heroCards:\n  - {id: x}\n":                                   "line 2",
		"colour: red\n":                                               `line 1: unknown key "colour"`,
		"groups:\n  - {id: 1, nme: x}\n":                              `line 2: unknown key "nme" (did you mean "name"?)`,
		"groups:\n  - {id: 1, workload: {maxSlot: 1}}\n":              `line 2: unknown key "maxSlot" (did you mean "maxSlots"?)`,
		"groups: {id: 1}\n":                                           "cannot unmarshal",
		"groups: [\n":                                                 "yaml",
		"mediaObjects:\n  - {id: 1, name: a, file: no-such-file}\n":   "mediaObjects[0]: open no-such-file",
	} {
		if _, err := parseWorld([]byte(in)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("parseWorld(%q) = %v, want %q", in, err, msg)
		}
	}
}
