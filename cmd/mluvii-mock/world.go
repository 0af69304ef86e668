package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
	"github.com/mluviigen/mluviigen/spec"
)

// world is what --world loads: the fake's tenant (groups, operators, hero
// cards, stored files, contacts) plus what every new session starts with.
type world struct {
	mluviitest.World
	// CallParams are every new session's call parameters.
	CallParams map[string]string
	// Language is every new session's language ("" keeps the fake's default).
	Language string
	// HeroCardFields names the fields the page shows for each hero card id.
	HeroCardFields map[int32][]string
}

// worldFile is the YAML form. A section left out keeps the default world's;
// an empty list empties it.
type worldFile struct {
	Groups        *[]groupYAML      `yaml:"groups"`
	Operators     *[]operatorYAML   `yaml:"operators"`
	HeroCards     *[]heroCardYAML   `yaml:"heroCards"`
	MediaObjects  *[]mediaYAML      `yaml:"mediaObjects"`
	CRMIdentities *[]crmYAML        `yaml:"crmIdentities"`
	CallParams    map[string]string `yaml:"callParams"`
	Language      string            `yaml:"language"`
}

type groupYAML struct {
	ID             int32    `yaml:"id"`
	Name           string   `yaml:"name"`
	State          string   `yaml:"state"`
	OfflineReasons []string `yaml:"offlineReasons"`
	Workload       struct {
		MaxSlots          int32 `yaml:"maxSlots"`
		UsedSlotsWaiting  int32 `yaml:"usedSlotsWaiting"`
		UsedSlotsAccepted int32 `yaml:"usedSlotsAccepted"`
		FreeSlots         int32 `yaml:"freeSlots"`
	} `yaml:"workload"`
	Queue struct {
		FreeQueueSlotsCountTotal int32 `yaml:"freeQueueSlotsCountTotal"`
		InQueueCountTotal        int32 `yaml:"inQueueCountTotal"`
		IsQueueFull              bool  `yaml:"isQueueFull"`
	} `yaml:"queue"`
}

type operatorYAML struct {
	ID        int32   `yaml:"id"`
	Name      string  `yaml:"name"`
	GroupIDs  []int32 `yaml:"groupIds"`
	Available *bool   `yaml:"available"` // default true
}

type heroCardYAML struct {
	ID        int32    `yaml:"id"`
	Name      string   `yaml:"name"`
	Languages []string `yaml:"languages"`
	Fields    []string `yaml:"fields"` // shown by the chat page's card form
}

type mediaYAML struct {
	ID          int32  `yaml:"id"`
	Name        string `yaml:"name"`
	ContentType string `yaml:"contentType"` // default: from the file name's extension
	File        string `yaml:"file"`        // the bytes served, relative to the world file
}

// maxMediaBytes bounds a media object's file.
const maxMediaBytes = 16 << 20

type crmYAML struct {
	ID    int64               `yaml:"id"`
	Score float64             `yaml:"score"`
	Data  map[string][]string `yaml:"data"`
}

// defaultWorld is the fake's default world with the page's default card fields.
func defaultWorld() world {
	w := world{World: mluviitest.DefaultWorld(), HeroCardFields: map[int32][]string{}}
	for _, c := range w.HeroCards {
		w.HeroCardFields[c.ID] = []string{"name", "email"}
	}
	return w
}

// loadWorld reads a world file; errors name the file and line.
func loadWorld(path string) (world, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return world{}, err
	}
	w, err := parseWorldIn(data, filepath.Dir(path))
	if err != nil {
		return world{}, fmt.Errorf("%s: %w", path, err)
	}
	return w, nil
}

// parseWorld decodes a world file strictly (unknown keys are errors) onto the
// default world; media object files are read relative to the working directory.
func parseWorld(data []byte) (world, error) { return parseWorldIn(data, ".") }

// parseWorldIn is parseWorld reading media object files relative to dir.
func parseWorldIn(data []byte, dir string) (world, error) {
	var f worldFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return world{}, fmt.Errorf("world: %w", readableYAMLError(err))
	}
	w := defaultWorld()
	w.CallParams, w.Language = f.CallParams, f.Language
	var problems []string
	if f.Groups != nil {
		w.Groups = nil
		for i, g := range *f.Groups {
			grp, err := g.group()
			if err != nil {
				problems = append(problems, fmt.Sprintf("groups[%d]: %v", i, err))
			}
			w.Groups = append(w.Groups, grp)
		}
	}
	if f.Operators != nil {
		w.Operators = nil
		for _, o := range *f.Operators {
			avail := o.Available == nil || *o.Available
			w.Operators = append(w.Operators, mluviitest.Operator{ID: o.ID, Name: o.Name, GroupIDs: o.GroupIDs, Available: avail})
		}
	}
	if f.HeroCards != nil {
		w.HeroCards, w.HeroCardFields = nil, map[int32][]string{}
		for _, c := range *f.HeroCards {
			w.HeroCards = append(w.HeroCards, mluviitest.HeroCard{ID: c.ID, Name: c.Name, Languages: c.Languages})
			w.HeroCardFields[c.ID] = c.Fields
		}
	}
	if f.MediaObjects != nil {
		w.MediaObjects = nil
		for i, m := range *f.MediaObjects {
			obj, err := m.object(dir)
			if err != nil {
				problems = append(problems, fmt.Sprintf("mediaObjects[%d]: %v", i, err))
			}
			w.MediaObjects = append(w.MediaObjects, obj)
		}
	}
	if f.CRMIdentities != nil {
		w.CRMIdentities = nil
		for _, c := range *f.CRMIdentities {
			w.CRMIdentities = append(w.CRMIdentities, mluviitest.CRMIdentity{ID: c.ID, Score: c.Score, Data: c.Data})
		}
	}
	if len(problems) > 0 {
		return world{}, fmt.Errorf("world: %s", strings.Join(problems, "; "))
	}
	return w, nil
}

// object converts a YAML media object, reading its file (at most
// maxMediaBytes) when it names one.
func (m mediaYAML) object(dir string) (mluviitest.MediaObject, error) {
	obj := mluviitest.MediaObject{ID: m.ID, Name: m.Name, ContentType: m.ContentType}
	if obj.ContentType == "" {
		obj.ContentType = mime.TypeByExtension(filepath.Ext(m.Name))
	}
	if m.File == "" {
		return obj, nil
	}
	p := m.File
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	f, err := os.Open(p)
	if err != nil {
		return obj, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMediaBytes+1))
	if err != nil {
		return obj, err
	}
	if len(data) > maxMediaBytes {
		return obj, fmt.Errorf("file %s: over %d bytes", m.File, maxMediaBytes)
	}
	obj.Data = data
	return obj, nil
}

// group converts a YAML group, checking its state and offline reasons
// against the spec's enums (in any letter case).
func (g groupYAML) group() (mluviitest.Group, error) {
	state := mluvii.GroupState(strings.ToUpper(g.State))
	if g.State == "" {
		state = mluvii.GroupStateOnline
	}
	if !state.Known() {
		return mluviitest.Group{}, fmt.Errorf("state %q is none of %s", g.State, strings.Join(enumValues("GroupState"), ", "))
	}
	reasons := enumValues("GroupOfflineReasons")
	var offline []string
	for _, r := range g.OfflineReasons {
		r = strings.ToUpper(r)
		if len(reasons) > 0 && !slices.Contains(reasons, r) {
			return mluviitest.Group{}, fmt.Errorf("offline reason %q is none of %s", r, strings.Join(reasons, ", "))
		}
		offline = append(offline, r)
	}
	return mluviitest.Group{
		ID: g.ID, Name: g.Name, State: mluviitest.GroupState(state), OfflineReasons: offline,
		Workload: mluviitest.GroupWorkload{MaxSlots: g.Workload.MaxSlots, UsedSlotsWaiting: g.Workload.UsedSlotsWaiting,
			UsedSlotsAccepted: g.Workload.UsedSlotsAccepted, FreeSlots: g.Workload.FreeSlots},
		Queue: mluviitest.QueueWorkload{FreeQueueSlotsCountTotal: g.Queue.FreeQueueSlotsCountTotal,
			InQueueCountTotal: g.Queue.InQueueCountTotal, IsQueueFull: g.Queue.IsQueueFull},
	}, nil
}

// enumValues lists a named enum type's values from the spec.
func enumValues(name string) []string {
	t, _ := mluvii.LookupType(name)
	return t.Values
}

// unknownField matches yaml.v3's complaint about a key no struct field has.
var unknownField = regexp.MustCompile(`^(line \d+): field (\S+) not found in type .*$`)

// readableYAMLError rewrites yaml.v3's "field x not found in type
// main.groupYAML" (a Go type name, no hint) as the spec errors say it:
// unknown key "x" (did you mean "state"?), keeping the line.
func readableYAMLError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		if sub := unknownField.FindStringSubmatch(m); sub != nil {
			m = fmt.Sprintf("%s: unknown key %q%s", sub[1], sub[2], spec.DidYouMean(sub[2], worldKeys(reflect.TypeOf(worldFile{}))))
		}
		msgs[i] = m
	}
	return errors.New(strings.Join(msgs, "; "))
}

// worldKeys lists the yaml keys of t and of the structs inside it.
func worldKeys(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name != "" {
			keys = append(keys, name)
		}
		keys = append(keys, worldKeys(f.Type)...)
	}
	return keys
}
