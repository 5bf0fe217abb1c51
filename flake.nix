{
  description = "Flight Booking System: four Effect services on Bun over RabbitMQ";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    flake-utils.url = "github:numtide/flake-utils";
  };

  outputs = { self, nixpkgs, flake-utils }:
    flake-utils.lib.eachDefaultSystem (system:
      let
        pkgs = import nixpkgs { inherit system; };
        # The same entry points as ./run, on the shell's own Bun.
        script = name: command: pkgs.writeShellScriptBin name ''
          set -euo pipefail
          cd "$(${pkgs.git}/bin/git rev-parse --show-toplevel)"
          ${pkgs.bun}/bin/bun install --frozen-lockfile
          exec ${pkgs.bun}/bin/bun run ${command} "$@"
        '';
        scripts = [
          (script "fb-start" "start")
          (script "fb-start-infra" "start:infra")
          (script "fb-test" "test")
          (script "fb-typecheck" "typecheck")
          (script "fb-bench" "bench")
          (script "fb-dead-letters" "dead-letters")
        ];
      in {
        devShells.default = pkgs.mkShell {
          packages = [
            pkgs.bun
            pkgs.nodejs_20
            pkgs.redis
            pkgs.postgresql_15
            pkgs.rabbitmq-server
            pkgs.ferretdb
            pkgs.go
          ] ++ scripts;
          shellHook = ''
            export REDIS_URL=''${REDIS_URL:-redis://127.0.0.1:6379}
            export MONGODB_URL=''${MONGODB_URL:-mongodb://127.0.0.1:27017/flight-booking}
            export DATABASE_URL=''${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
            export RABBITMQ_URL=''${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672}
            echo "Flight Booking System dev shell: fb-start, fb-start-infra, fb-test, fb-typecheck, fb-bench, fb-dead-letters"
            echo "Servers: redis-server, postgres (initdb first), rabbitmq-server, ferretdb --handler=sqlite"
          '';
        };
      });
}
