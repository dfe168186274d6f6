// Picks the remote a command uses: the one named with -r, else the configured default, else the only one.
import { err, ok, type Result } from "../../schemas/result.js";
import type { ConfiguredRemote, RemoteSettings } from "../../remote/remote-spec.js";
import { didYouMeanHint } from "../config/did-you-mean.js";
import { noRemoteText } from "../reporters/remote-text.js";

/** The chosen remote, or the usage error to print (exit 2). */
export function chooseRemote(settings: RemoteSettings | undefined, named: string | undefined): Result<ConfiguredRemote, string> {
  const remotes = settings?.remotes ?? new Map<string, ConfiguredRemote>();
  const name = named ?? settings?.default;
  if (name === undefined) return err(noRemoteText([...remotes.keys()]));
  const spec = remotes.get(name);
  if (spec === undefined) {
    const hint = didYouMeanHint(name, [...remotes.keys()]);
    return err(`no remote named "${name}"${hint ? `; ${hint}` : ""}${remotes.size > 0 ? ` (remotes: ${[...remotes.keys()].join(", ")})` : "; none is configured (see README, Remotes)"}`);
  }
  return ok(spec);
}
