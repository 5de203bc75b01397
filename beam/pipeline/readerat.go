package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"cloud.google.com/go/storage"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	// The file systems of the paths Beam writes to and lists.
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/s3"
)

// Beam's file systems read files from the start only; a row group is read where it lies, through an
// io.ReaderAt: a local file, or ranged reads of an object in Google Cloud Storage or Amazon S3.

// scheme returns the scheme of path ("" for a local path).
func scheme(path string) string {
	if i := strings.Index(path, "://"); i > 0 {
		return path[:i]
	}
	return ""
}

// expand expands the globs of paths, in the order given, each pattern's matches sorted, dropping duplicates:
// the files the local trainer (train.SumLogs) lists for the same paths, in the same order.
func expand(ctx context.Context, paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, errors.New("speller-beam: no log file")
	}
	var files []string
	seen := map[string]bool{}
	for _, p := range paths {
		var m []string
		var err error
		if scheme(p) == "" {
			m, err = filepath.Glob(p)
		} else {
			var fs filesystem.Interface
			if fs, err = filesystem.New(ctx, p); err == nil {
				m, err = fs.List(ctx, p)
				fs.Close()
			}
			slices.Sort(m)
		}
		if err != nil {
			return nil, fmt.Errorf("speller-beam: %s: %w", p, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("speller-beam: %s: no such file", p)
		}
		for _, f := range m {
			if !seen[f] {
				seen[f] = true
				files = append(files, f)
			}
		}
	}
	return files, nil
}

// readerAt is an open file read at offsets.
type readerAt interface {
	io.ReaderAt
	io.Closer
}

// openAt opens path (local, gs:// or s3://) for reading at offsets and returns it with its size.
func openAt(ctx context.Context, path string) (readerAt, int64, error) {
	switch scheme(path) {
	case "", "file":
		f, err := os.Open(strings.TrimPrefix(path, "file://"))
		if err != nil {
			return nil, 0, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		return f, st.Size(), nil
	case "gs":
		bucket, object, err := split(path)
		if err != nil {
			return nil, 0, err
		}
		c, err := storage.NewClient(ctx)
		if err != nil {
			return nil, 0, err
		}
		obj := c.Bucket(bucket).Object(object)
		attrs, err := obj.Attrs(ctx)
		if err != nil {
			c.Close()
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		return &gcsReader{ctx: ctx, c: c, obj: obj.Generation(attrs.Generation)}, attrs.Size, nil
	case "s3":
		bucket, key, err := split(path)
		if err != nil {
			return nil, 0, err
		}
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, 0, err
		}
		c := s3.NewFromConfig(cfg)
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		return &s3Reader{ctx: ctx, c: c, bucket: bucket, key: key, etag: head.ETag}, aws.ToInt64(head.ContentLength), nil
	}
	return nil, 0, fmt.Errorf("%s: unsupported scheme (want a local path, gs:// or s3://)", path)
}

// split returns the bucket and the object of scheme://bucket/object.
func split(path string) (string, string, error) {
	rest := path[strings.Index(path, "://")+3:]
	bucket, object, ok := strings.Cut(rest, "/")
	if !ok || bucket == "" || object == "" {
		return "", "", fmt.Errorf("%s: want %s://BUCKET/OBJECT", path, scheme(path))
	}
	return bucket, object, nil
}

// gcsReader reads a generation of a Cloud Storage object with ranged reads.
type gcsReader struct {
	ctx context.Context
	c   *storage.Client
	obj *storage.ObjectHandle
}

func (r *gcsReader) ReadAt(p []byte, off int64) (int, error) {
	rd, err := r.obj.NewRangeReader(r.ctx, off, int64(len(p)))
	if err != nil {
		return 0, err
	}
	defer rd.Close()
	n, err := io.ReadFull(rd, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

func (r *gcsReader) Close() error { return r.c.Close() }

// s3Reader reads an S3 object with ranged GETs, failing if it changes meanwhile.
type s3Reader struct {
	ctx         context.Context
	c           *s3.Client
	bucket, key string
	etag        *string
}

func (r *s3Reader) ReadAt(p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	rng := fmt.Sprintf("bytes=%d-%d", off, off+int64(len(p))-1)
	out, err := r.c.GetObject(r.ctx, &s3.GetObjectInput{Bucket: &r.bucket, Key: &r.key, Range: &rng, IfMatch: r.etag})
	if err != nil {
		return 0, err
	}
	defer out.Body.Close()
	n, err := io.ReadFull(out.Body, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

func (r *s3Reader) Close() error { return nil }
