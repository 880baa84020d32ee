package docker

import (
	"archive/tar"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
)

// pullTimeout bounds a pull attempt: with no registry it fails fast or hangs.
const pullTimeout = 15 * time.Second

// ImageExists reports whether ref is present in the engine.
func (e *Engine) ImageExists(ctx context.Context, ref string) (bool, error) {
	_, err := e.cli.ImageInspect(ctx, ref)
	if err == nil {
		return true, nil
	}
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("inspecting image %s: %w", ref, err)
}

// ImageUser is the user an image's processes run as ("" for root).
func (e *Engine) ImageUser(ctx context.Context, ref string) (string, error) {
	ins, err := e.cli.ImageInspect(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("inspecting image %s: %w", ref, err)
	}
	if ins.Config == nil {
		return "", nil
	}
	return ins.Config.User, nil
}

// RemoveImage removes the image ref names, and the layers only it used; an
// image that is already gone is no error. Images it was built FROM stay.
func (e *Engine) RemoveImage(ctx context.Context, ref string) error {
	_, err := e.cli.ImageRemove(ctx, ref, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("removing image %s: %w", ref, err)
	}
	return nil
}

// Pull tries to pull ref, giving up after a short timeout.
func (e *Engine) Pull(ctx context.Context, ref string) error {
	ctx, cancel := context.WithTimeout(ctx, pullTimeout)
	defer cancel()
	res, err := e.cli.ImagePull(ctx, ref, client.ImagePullOptions{})
	if err != nil {
		return fmt.Errorf("pulling %s: %w", ref, err)
	}
	defer res.Close()
	if err := readStream(res, io.Discard); err != nil {
		return fmt.Errorf("pulling %s: %w", ref, err)
	}
	return nil
}

// BuildSpec says how to build one image.
type BuildSpec struct {
	// Tag is the image reference to produce.
	Tag string
	// Context is the build context directory.
	Context string
	// Dockerfile is the Dockerfile's path inside Context ("Dockerfile"
	// when empty).
	Dockerfile string
	// Args are build arguments (BASE_IMAGE, GOPROXY, …).
	Args map[string]string
	// Target is the stage of a multi-stage Dockerfile to stop at (the
	// last stage when empty).
	Target string
	// NoCache rebuilds every step instead of reusing cached layers.
	NoCache bool
	// Log receives the build output; nil discards it.
	Log io.Writer
}

// Build builds an image with the classic builder and host networking, so
// build steps reach the package mirrors the host reaches.
func (e *Engine) Build(ctx context.Context, spec BuildSpec) error {
	dockerfile := spec.Dockerfile
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	if _, err := os.Stat(filepath.Join(spec.Context, dockerfile)); err != nil {
		return fmt.Errorf("building %s: no %s in %s", spec.Tag, dockerfile, spec.Context)
	}
	source, err := sourceDigest(spec.Context, dockerfile)
	if err != nil {
		return fmt.Errorf("building %s: %w", spec.Tag, err)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarDir(pw, spec.Context)) }()
	args := map[string]*string{}
	for k, v := range spec.Args {
		args[k] = &v
	}
	res, err := e.cli.ImageBuild(ctx, pr, client.ImageBuildOptions{
		Tags:        []string{spec.Tag},
		Dockerfile:  filepath.ToSlash(dockerfile),
		BuildArgs:   args,
		NetworkMode: "host",
		NoCache:     spec.NoCache,
		Target:      spec.Target,
		Remove:      true,
		ForceRemove: true,
		Labels:      map[string]string{LabelManaged: "true", LabelSource: source},
		Version:     build.BuilderV1,
	})
	if err != nil {
		pr.CloseWithError(err)
		return fmt.Errorf("building %s from %s: %w", spec.Tag, spec.Context, err)
	}
	defer res.Body.Close()
	log := spec.Log
	if log == nil {
		log = io.Discard
	}
	if err := readStream(res.Body, log); err != nil {
		return fmt.Errorf("building %s from %s: %w", spec.Tag, spec.Context, err)
	}
	if ok, err := e.ImageExists(ctx, spec.Tag); err != nil || !ok {
		return fmt.Errorf("building %s from %s: the build finished but the image is missing (%v)", spec.Tag, spec.Context, err)
	}
	return nil
}

// readStream follows the engine's JSON progress stream, copying text to w and
// returning the first error message it carries.
func readStream(r io.Reader, w io.Writer) error {
	dec := json.NewDecoder(bufio.NewReader(r))
	for {
		var msg struct {
			Stream      string `json:"stream"`
			Status      string `json:"status"`
			Error       string `json:"error"`
			ErrorDetail struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("reading engine output: %w", err)
		}
		if msg.Error != "" {
			return errors.New(strings.TrimSpace(msg.Error))
		}
		if msg.Stream != "" {
			io.WriteString(w, msg.Stream)
		} else if msg.Status != "" {
			io.WriteString(w, msg.Status+"\n")
		}
	}
}

// tarDir writes dir as a tar stream (the build context).
func tarDir(w io.Writer, dir string) error {
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := io.Copy(tw, f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// ImageSpec says how to get an image that may be missing.
type ImageSpec struct {
	// Ref is the image to make sure of.
	Ref string
	// Build is the build context that makes Ref; empty when Herald cannot
	// build it (then it must exist or be pullable).
	Build string
	// Dockerfile is the Dockerfile's path inside Build ("Dockerfile" when
	// empty).
	Dockerfile string
	// Base is the Debian base the build starts FROM (passed as BASE_IMAGE).
	Base BaseSpec
	// Args are further build arguments.
	Args map[string]string
	// Target is the Dockerfile's stage that makes Ref (its last when empty).
	Target string
	// Prepare, when Build is empty, makes a build context on demand (the
	// server's own published source, say) for the given base; available
	// tells whether an image can be used as it is (present or pullable).
	// The context is removed after the build.
	Prepare func(ctx context.Context, base string, available func(string) bool, log io.Writer) (dir string, remove func(), err error)
	// Log receives progress and build output.
	Log io.Writer
	// Rebuild builds even when Ref exists (benchmarks measure builds);
	// NoCache then makes it a cold build.
	Rebuild, NoCache bool
}

// EnsureImage makes sure spec.Ref exists: present, else pulled, else built
// from its context on a base made offline if need be.
func (e *Engine) EnsureImage(ctx context.Context, spec ImageSpec) error {
	log := spec.Log
	if log == nil {
		log = io.Discard
	}
	ok, err := e.ImageExists(ctx, spec.Ref)
	if err != nil {
		return err
	}
	if ok && spec.Build != "" && !spec.Rebuild {
		stale, why, err := e.stale(ctx, spec)
		if err != nil {
			return err
		}
		if stale {
			fmt.Fprintf(log, "%s: %s; rebuilding it\n", spec.Ref, why)
		}
		ok = !stale
	}
	if ok && !(spec.Rebuild && spec.Build != "") {
		return nil
	}
	if spec.Build == "" && spec.Prepare == nil {
		if err := e.Pull(ctx, spec.Ref); err != nil {
			return fmt.Errorf("image %s does not exist locally and cannot be pulled (%v): build it first, or check the name", spec.Ref, err)
		}
		return nil
	}
	base, err := e.EnsureBase(ctx, spec.Base, log)
	if err != nil {
		return err
	}
	args := map[string]string{"BASE_IMAGE": base}
	if proxy := os.Getenv("GOPROXY"); proxy != "" {
		args["GOPROXY"] = proxy
	}
	if extra := localCAs(); extra != "" {
		args["EXTRA_CA_CERTS"] = extra
	}
	for k, v := range spec.Args {
		args[k] = v
	}
	if spec.Build == "" {
		dir, remove, err := spec.Prepare(ctx, base, e.available(ctx), log)
		if err != nil {
			return fmt.Errorf("preparing the build of %s: %w", spec.Ref, err)
		}
		defer remove()
		spec.Build, spec.Dockerfile = dir, ""
	}
	from := spec.Build
	if spec.Dockerfile != "" {
		from = filepath.Join(spec.Build, spec.Dockerfile)
	}
	fmt.Fprintf(log, "building %s from %s on %s\n", spec.Ref, from, base)
	start := time.Now()
	if err := e.Build(ctx, BuildSpec{Tag: spec.Ref, Context: spec.Build, Dockerfile: spec.Dockerfile, Args: args, Target: spec.Target, NoCache: spec.NoCache, Log: log}); err != nil {
		return err
	}
	fmt.Fprintf(log, "built %s in %s\n", spec.Ref, time.Since(start).Round(time.Second))
	return nil
}

// stale tells whether an image Herald built from spec.Build was built from
// other files than the folder holds now (its Dockerfile or scripts changed
// since). An image Herald did not build is never stale: a user who tags
// their own image with Herald's name gets that image.
func (e *Engine) stale(ctx context.Context, spec ImageSpec) (bool, string, error) {
	ins, err := e.cli.ImageInspect(ctx, spec.Ref)
	if err != nil {
		return false, "", fmt.Errorf("inspecting image %s: %w", spec.Ref, err)
	}
	var labels map[string]string
	if ins.Config != nil {
		labels = ins.Config.Labels
	}
	if labels[LabelManaged] != "true" {
		return false, "", nil
	}
	dockerfile := spec.Dockerfile
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	want, err := sourceDigest(spec.Build, dockerfile)
	if err != nil {
		return false, "", err
	}
	switch got := labels[LabelSource]; got {
	case want:
		return false, "", nil
	case "":
		return true, "built by an older Herald, which did not record what it was built from", nil
	default:
		return true, "built from other files than " + filepath.Join(spec.Build, dockerfile) + " and its folder hold now", nil
	}
}

// available tells whether an image is present or can be pulled.
func (e *Engine) available(ctx context.Context) func(string) bool {
	return func(ref string) bool {
		if ok, err := e.ImageExists(ctx, ref); err == nil && ok {
			return true
		}
		return e.Pull(ctx, ref) == nil
	}
}

// localCADir holds the CAs an administrator added to a Debian host; where
// outbound HTTPS passes a TLS-inspecting proxy, its CA is there.
const localCADir = "/usr/local/share/ca-certificates"

// localCAs is the PEM text of the host's locally added CAs, handed to build
// stages (EXTRA_CA_CERTS) that fetch over HTTPS, such as Go module downloads.
// Images never keep them.
func localCAs() string {
	paths, _ := filepath.Glob(filepath.Join(localCADir, "*.crt"))
	var b strings.Builder
	for _, p := range paths {
		if pem, err := os.ReadFile(p); err == nil {
			b.Write(pem)
			b.WriteString("\n")
		}
	}
	return b.String()
}
