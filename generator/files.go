package generator

// File is one generated file, with a slash-separated path relative to the output
// directory.
type File struct {
	Path string
	Data []byte
}

// Files is the whole output of one generation, sorted by path.
type Files []File
