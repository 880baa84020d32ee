package docker

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/moby/moby/client"
)

// BaseSpec names the Debian base image our Dockerfiles start FROM and how to
// make it when no registry can be reached.
type BaseSpec struct {
	// Image is the ordinary base (debian:sid) used when present or pullable.
	Image string
	// Fallback is the name given to a base made locally with debootstrap.
	Fallback string
	// Mirror is the Debian mirror debootstrap installs from.
	Mirror string
	// Suite is the Debian suite; "sid" when empty.
	Suite string
}

// EnsureBase returns a base image reference that exists in the engine: Image
// if present or pullable, else Fallback, made with debootstrap if missing.
func (e *Engine) EnsureBase(ctx context.Context, spec BaseSpec, log io.Writer) (string, error) {
	if log == nil {
		log = io.Discard
	}
	for _, ref := range []string{spec.Image, spec.Fallback} {
		ok, err := e.ImageExists(ctx, ref)
		if err != nil {
			return "", err
		}
		if ok {
			return ref, nil
		}
	}
	pullErr := e.Pull(ctx, spec.Image)
	if pullErr == nil {
		return spec.Image, nil
	}
	fmt.Fprintf(log, "base image %s is not present and cannot be pulled (%v); making %s with debootstrap\n", spec.Image, pullErr, spec.Fallback)
	if err := e.debootstrap(ctx, spec, log); err != nil {
		return "", fmt.Errorf("no base image: %s cannot be pulled (%v), and making %s failed: %w", spec.Image, pullErr, spec.Fallback, err)
	}
	return spec.Fallback, nil
}

func (e *Engine) debootstrap(ctx context.Context, spec BaseSpec, log io.Writer) error {
	bin, err := exec.LookPath("debootstrap")
	if err != nil {
		return fmt.Errorf("debootstrap is not installed (apt-get install debootstrap)")
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("debootstrap needs root: run as root, or make the base once with `sudo make images`")
	}
	suite := spec.Suite
	if suite == "" {
		suite = "sid"
	}
	root, err := os.MkdirTemp("", "herald-base-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)

	cmd := exec.CommandContext(ctx, bin, "--variant=minbase", "--include=ca-certificates", suite, root, spec.Mirror)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("debootstrap %s from %s: %w", suite, spec.Mirror, err)
	}

	tarCmd := exec.CommandContext(ctx, "tar", "-C", root, "--numeric-owner", "-c", ".")
	out, err := tarCmd.StdoutPipe()
	if err != nil {
		return err
	}
	tarCmd.Stderr = log
	if err := tarCmd.Start(); err != nil {
		return fmt.Errorf("packing the base: %w", err)
	}
	res, err := e.cli.ImageImport(ctx, client.ImageImportSource{Source: out, SourceName: "-"}, spec.Fallback, client.ImageImportOptions{
		Changes: []string{`CMD ["/bin/bash"]`, "LABEL " + LabelManaged + "=true"},
		Message: "Debian " + suite + " minbase made by Herald with debootstrap",
	})
	if err != nil {
		tarCmd.Process.Kill()
		tarCmd.Wait()
		return fmt.Errorf("importing the base: %w", err)
	}
	defer res.Close()
	if err := readStream(res, log); err != nil {
		tarCmd.Wait()
		return fmt.Errorf("importing the base: %w", err)
	}
	if err := tarCmd.Wait(); err != nil {
		return fmt.Errorf("packing the base: %w", err)
	}
	return nil
}
