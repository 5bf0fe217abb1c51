{
  description = "Flight Booking System: four Effect services on Bun over RabbitMQ";

  # flake.lock pins each input to a revision and its narHash (scripts/nix.test.ts checks it).
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    # Node 20 and Redis 7, the versions CI runs: nixos-unstable has dropped Node 20 (end of life
    # 2026-04-30) and moved Redis to 8, so they come from the last nixos-24.11 revision.
    nixpkgs-2411.url = "github:NixOS/nixpkgs/nixos-24.11";
    flake-utils.url = "github:numtide/flake-utils";
  };

  outputs = { self, nixpkgs, nixpkgs-2411, flake-utils }:
    flake-utils.lib.eachSystem [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ] (system:
      let
        pkgs = import nixpkgs { inherit system; };
        pkgs2411 = import nixpkgs-2411 { inherit system; };
        lib = pkgs.lib;

        # Bun exactly as package.json's "packageManager" (bun@1.4.5) and ./run install it: the
        # npm registry's platform package, checked against the registry's sha512 integrity.
        bunVersion = "1.4.5";
        bunPackages = {
          x86_64-linux = { name = "bun-linux-x64"; hash = "sha512-IWX9BELoGHAUtMonkeSaNaZwXzRk+oDw6Mk+HBFXd3KHYIBNBsIGRupMZPcgNoDbJpLu6gAJjIoIVPZtt1aJ1g=="; };
          aarch64-linux = { name = "bun-linux-aarch64"; hash = "sha512-4BXmsSKnjOrlGWqZV4x/oWa7AVoR+B6lCXddMzOAXBIm3t50eslg9wb66gmtW1AamEQ1l1CDvmmruysEhqOWMg=="; };
          x86_64-darwin = { name = "bun-darwin-x64"; hash = "sha512-qkLPMGHZM9NI6CeHTWwVezzmlo6cC4Ta7yUAjYIWXS366qQcOlcp75t2uZyiuVRBMPS0h9qE0tCcvCHGaFqjJg=="; };
          aarch64-darwin = { name = "bun-darwin-aarch64"; hash = "sha512-4MIFXHmctH2EhAxLXm2/qxNtv17dFtLJylvaOCsrgq6KSqHTs6eW5YSrJjRbJxYUJaR901fsN8JfZOa+CsWpWQ=="; };
        };
        bunPackage = bunPackages.${system};
        bun = pkgs.stdenv.mkDerivation {
          pname = "bun";
          version = bunVersion;
          src = pkgs.fetchurl {
            url = "https://registry.npmjs.org/@oven/${bunPackage.name}/-/${bunPackage.name}-${bunVersion}.tgz";
            hash = bunPackage.hash;
          };
          sourceRoot = "package";
          nativeBuildInputs = lib.optionals pkgs.stdenv.hostPlatform.isLinux [ pkgs.autoPatchelfHook ];
          dontConfigure = true;
          dontBuild = true;
          dontStrip = true;
          installPhase = ''
            runHook preInstall
            install -Dm755 bin/bun "$out/bin/bun"
            ln -s bun "$out/bin/bunx"
            runHook postInstall
          '';
          doInstallCheck = true;
          installCheckPhase = ''
            [ "$("$out/bin/bun" --version)" = "${bunVersion}" ]
          '';
          meta = {
            description = "Bun ${bunVersion}, the JavaScript runtime the project pins";
            mainProgram = "bun";
            platforms = builtins.attrNames bunPackages;
          };
        };

        # The same entry points as ./run, on the shell's own Bun.
        script = name: command: pkgs.writeShellScriptBin name ''
          set -euo pipefail
          cd "$(${pkgs.git}/bin/git rev-parse --show-toplevel)"
          ${bun}/bin/bun install --frozen-lockfile
          exec ${bun}/bin/bun run ${command} "$@"
        '';
        # FerretDB v1.24.0, built by the project's own script with the shell's Go, as CI does
        # (nixpkgs' ferretdb may be 2.x, which has no SQLite backend).
        ferretdb = pkgs.writeShellScriptBin "fb-ferretdb" ''
          set -euo pipefail
          cd "$(${pkgs.git}/bin/git rev-parse --show-toplevel)"
          exec bash infra/ferretdb/ensure.sh "$@"
        '';
        scripts = [
          (script "fb-start" "start")
          (script "fb-start-infra" "start:infra")
          (script "fb-test" "test")
          (script "fb-typecheck" "typecheck")
          (script "fb-bench" "bench")
          (script "fb-dead-letters" "dead-letters")
          ferretdb
        ];
      in {
        packages.bun = bun;

        devShells.default = pkgs.mkShell {
          packages = [
            bun
            pkgs2411.nodejs_20
            pkgs2411.redis
            pkgs.postgresql_15
            pkgs.rabbitmq-server
            pkgs.go
            pkgs.git
          ] ++ scripts;
          shellHook = ''
            export REDIS_URL=''${REDIS_URL:-redis://127.0.0.1:6379}
            export MONGODB_URL=''${MONGODB_URL:-mongodb://127.0.0.1:27017/flight-booking}
            export DATABASE_URL=''${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
            export RABBITMQ_URL=''${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672}
            # Bun's allocator keeps what it frees, as ./run and the images set it (decision 35).
            export MIMALLOC_PURGE_DELAY=''${MIMALLOC_PURGE_DELAY:--1}
            echo "Flight Booking System dev shell (Bun $(bun --version)): fb-start, fb-start-infra, fb-test, fb-typecheck, fb-bench, fb-dead-letters, fb-ferretdb"
            echo "Servers: redis-server, postgres (initdb first), rabbitmq-server, fb-ferretdb (FerretDB v1.24.0, built once)"
          '';
        };
      });
}
