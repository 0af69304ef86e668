package generator

// The emitters call into the runtime files (templates/runtime, templates/
// mluviitest), which the generator copies verbatim into the output. They name
// those declarations through the values below, never through string literals,
// so that renaming a runtime function means changing one line here — and
// TestRuntimeNamesDeclared, which parses the templates, fails until that line
// matches. Without it a rename would break only the generated package's build.
//
// The tag of each field says where the name is declared: "runtime" or
// "mluviitest" for package-level names (funcs, types, vars, consts),
// "runtime.T" for a method or field of type T there.

// rt names package-level declarations of templates/runtime.
var rt = struct {
	NewJSONReader string `decl:"runtime"`
	JSONReader    string `decl:"runtime"`
	JSONWriter    string `decl:"runtime"`
	ReadFlags     string `decl:"runtime"`
	SetPath       string `decl:"runtime.DecodeError"`
	WriteSlice    string `decl:"runtime"`
	WriteMap      string `decl:"runtime"`
	EqualFold     string `decl:"runtime"`
	LenientInt64  string `decl:"runtime"`
	Timestamp     string `decl:"runtime"`
	// enumNumber is the decoder's table entry; EnumNumber the run-time schema's.
	EnumNumberEntry string `decl:"runtime"`
	EnumNumber      string `decl:"runtime"`

	ActivityInfo      string `decl:"runtime"`
	FieldInfo         string `decl:"runtime"`
	TypeInfo          string `decl:"runtime"`
	TypeRef           string `decl:"runtime"`
	ChannelSupport    string `decl:"runtime"`
	ChannelSource     string `decl:"runtime"`
	Channel           string `decl:"runtime"`
	ValidationError   string `decl:"runtime"`
	RoleRequest       string `decl:"runtime"`
	RoleResponse      string `decl:"runtime"`
	RoleEvent         string `decl:"runtime"`
	RoleMessage       string `decl:"runtime"`
	SupportYes        string `decl:"runtime"`
	SupportNo         string `decl:"runtime"`
	SupportUnverified string `decl:"runtime"`

	HandlerOf  string `decl:"runtime"`
	AndWait    string `decl:"runtime"`
	Client     string `decl:"runtime"`
	Dispatcher string `decl:"runtime"`
	Activities string `decl:"runtime"`
	LookupType string `decl:"runtime"`
	ChannelOf  string `decl:"runtime"`
}{
	NewJSONReader: "newJSONReader", JSONReader: "jsonReader", JSONWriter: "jsonWriter",
	ReadFlags: "readFlags", SetPath: "setPath", WriteSlice: "writeSlice", WriteMap: "writeMap",
	EqualFold: "equalFold", LenientInt64: "lenientInt64",
	Timestamp: "Timestamp", EnumNumberEntry: "enumNumber", EnumNumber: "EnumNumber",
	ActivityInfo: "ActivityInfo", FieldInfo: "FieldInfo", TypeInfo: "TypeInfo", TypeRef: "TypeRef",
	ChannelSupport: "ChannelSupport", ChannelSource: "channelSource", Channel: "Channel",
	ValidationError: "ValidationError",
	RoleRequest:     "RoleRequest", RoleResponse: "RoleResponse", RoleEvent: "RoleEvent", RoleMessage: "RoleMessage",
	SupportYes: "SupportYes", SupportNo: "SupportNo", SupportUnverified: "SupportUnverified",
	HandlerOf: "handlerOf", AndWait: "andWait", Client: "Client", Dispatcher: "Dispatcher",
	Activities: "Activities", LookupType: "LookupType", ChannelOf: "ChannelOf",
}

// rd names the methods and fields of jsonReader (templates/runtime/jsonread.go).
var rd = struct {
	// Builtin kinds (builtinGo).
	Str       string `decl:"runtime.jsonReader"`
	LooseStr  string `decl:"runtime.jsonReader"`
	Boolean   string `decl:"runtime.jsonReader"`
	Int32     string `decl:"runtime.jsonReader"`
	Int64     string `decl:"runtime.jsonReader"`
	Float64   string `decl:"runtime.jsonReader"`
	Timestamp string `decl:"runtime.jsonReader"`
	RawValue  string `decl:"runtime.jsonReader"`
	// Named types and activities.
	EnumValue    string `decl:"runtime.jsonReader"`
	SessionID    string `decl:"runtime.jsonReader"`
	ActivityName string `decl:"runtime.jsonReader"`
	FirstMember  string `decl:"runtime.jsonReader"`
	// Structure.
	Object      string `decl:"runtime.jsonReader"`
	BeginObject string `decl:"runtime.jsonReader"`
	BeginArray  string `decl:"runtime.jsonReader"`
	EmptyList   string `decl:"runtime.jsonReader"`
	NextElem    string `decl:"runtime.jsonReader"`
	AtIndex     string `decl:"runtime.jsonReader"`
	AtKey       string `decl:"runtime.jsonReader"`
	NextKey     string `decl:"runtime.jsonReader"`
	KeyIs       string `decl:"runtime.jsonReader"`
	Skip        string `decl:"runtime.jsonReader"`
	Null        string `decl:"runtime.jsonReader"`
	Peek        string `decl:"runtime.jsonReader"`
	RawString   string `decl:"runtime.jsonReader"`
	Kind        string `decl:"runtime.jsonReader"`
	At          string `decl:"runtime.jsonReader"`
	End         string `decl:"runtime.jsonReader"`
	Fail        string `decl:"runtime.jsonReader"`
	Missing     string `decl:"runtime.jsonReader"`
	Result      string `decl:"runtime.jsonReader"`
	// Fields.
	S    string `decl:"runtime.jsonReader"`
	Pos  string `decl:"runtime.jsonReader"`
	Err  string `decl:"runtime.jsonReader"`
	Key  string `decl:"runtime.jsonReader"`
	Name string `decl:"runtime.jsonReader"`
}{
	Str: "str", LooseStr: "looseStr", Boolean: "boolean", Int32: "int32", Int64: "int64",
	Float64: "float64", Timestamp: "timestamp", RawValue: "rawValue",
	EnumValue: "enumValue", SessionID: "sessionID", ActivityName: "activityName", FirstMember: "firstMember",
	Object: "object", BeginObject: "beginObject", BeginArray: "beginArray", EmptyList: "emptyList",
	NextElem: "nextElem", AtIndex: "atIndex", AtKey: "atKey", NextKey: "nextKey", KeyIs: "keyIs", Skip: "skip",
	Null: "null", Peek: "peek", RawString: "rawString", Kind: "kind", At: "at", End: "end",
	Fail: "fail", Missing: "missing", Result: "result",
	S: "s", Pos: "pos", Err: "err", Key: "key", Name: "name",
}

// wr names the methods and fields of jsonWriter (templates/runtime/jsonwrite.go).
var wr = struct {
	Str       string `decl:"runtime.jsonWriter"`
	Boolean   string `decl:"runtime.jsonWriter"`
	Int32     string `decl:"runtime.jsonWriter"`
	Int64     string `decl:"runtime.jsonWriter"`
	Float64   string `decl:"runtime.jsonWriter"`
	Timestamp string `decl:"runtime.jsonWriter"`
	Raw       string `decl:"runtime.jsonWriter"`
	Begin     string `decl:"runtime.jsonWriter"`
	End       string `decl:"runtime.jsonWriter"`
	Key       string `decl:"runtime.jsonWriter"`
	B         string `decl:"runtime.jsonWriter"`
}{
	Str: "str", Boolean: "boolean", Int32: "int32", Int64: "int64", Float64: "float64",
	Timestamp: "timestamp", Raw: "raw", Begin: "begin", End: "end", Key: "key", B: "b",
}

// mt names package-level declarations of templates/mluviitest that the mock
// emitter (mock.go) uses.
var mt = struct {
	Schema      string `decl:"mluviitest"`
	ActInfo     string `decl:"mluviitest"`
	CellInfo    string `decl:"mluviitest"`
	ChannelInfo string `decl:"mluviitest"`
	FieldInfo   string `decl:"mluviitest"`
	TypeInfo    string `decl:"mluviitest"`
	TypeRef     string `decl:"mluviitest"`
	Session     string `decl:"mluviitest"`
	ExpectAs    string `decl:"mluviitest"`
}{
	Schema: "schema", ActInfo: "actInfo", CellInfo: "cellInfo", ChannelInfo: "channelInfo",
	FieldInfo: "fieldInfo", TypeInfo: "typeInfo", TypeRef: "typeRef", Session: "Session", ExpectAs: "expectAs",
}
