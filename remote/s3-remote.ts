// The S3 backend (AWS, or any S3-compatible server: MinIO, Ceph, Swift's s3api): @aws-sdk/client-s3 with the standard credential chain, large files in multipart uploads.
import { AbortMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ServiceException } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { err, ok, type Result } from "../schemas/result.js";
import type { OnBytes, Remote, RemoteError, RemoteObject } from "./remote.js";
import type { S3RemoteSpec } from "./remote-spec.js";

/** Multipart part size: big enough for few requests, small enough that a retried part costs little. */
const PART_BYTES = 16 * 1024 * 1024;
/** Parts uploaded at once per file. */
const PART_QUEUE = 4;
/** Requests are retried (exponential back-off) this many times in all before a failure is reported. */
const ATTEMPTS = 4;

const CREDENTIALS = new Set(["InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "CredentialsProviderError", "TokenRefreshRequired", "AuthorizationHeaderMalformed"]);
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "TimeoutError", "RequestTimeout"]);

export class S3Remote implements Remote {
  private readonly client: S3Client;

  constructor(readonly spec: S3RemoteSpec) {
    // Non-AWS servers (Swift, older Ceph) reject the SDK's default streaming checksums: with an endpoint, only where the API needs one.
    const env = process.env;
    // Node is 20 for this project and the pinned SDK supports it (engines >=20); its notice about later releases is not the user's concern.
    env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
    const whenRequired = spec.endpoint !== undefined;
    this.client = new S3Client({
      region: spec.region ?? env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? "us-east-1",
      ...(spec.endpoint === undefined ? {} : { endpoint: spec.endpoint }),
      forcePathStyle: spec.forcePathStyle,
      maxAttempts: ATTEMPTS,
      ...(whenRequired && env["AWS_REQUEST_CHECKSUM_CALCULATION"] === undefined ? { requestChecksumCalculation: "WHEN_REQUIRED" as const } : {}),
      ...(whenRequired && env["AWS_RESPONSE_CHECKSUM_VALIDATION"] === undefined ? { responseChecksumValidation: "WHEN_REQUIRED" as const } : {}),
    });
  }

  private key(name: string): string {
    return `${this.spec.prefix}${name}`;
  }

  private fail(action: string, error: unknown): RemoteError {
    const e = error as Partial<S3ServiceException> & { code?: string; errno?: string; Code?: string };
    const name = e.name ?? "";
    const code = e.Code ?? e.code ?? "";
    const status = e.$metadata?.httpStatusCode;
    const message = (e.message ?? String(error)).trim() || name;
    const detail = `${name && !message.startsWith(name) ? `${name}: ` : ""}${message}${status === undefined ? "" : ` (HTTP ${status})`}`;
    const reason: RemoteError["reason"] =
      UNREACHABLE.has(name) || UNREACHABLE.has(code) || (status === undefined && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket hang up|connect/i.test(message))
        ? "unreachable"
        : CREDENTIALS.has(name) || CREDENTIALS.has(code) || /credential/i.test(name)
          ? "credentials"
          : name === "NoSuchBucket" || code === "NoSuchBucket"
            ? "no-bucket"
            : name === "EntityTooLarge" || name === "QuotaExceeded" || /quota/i.test(message)
              ? "quota"
              : name === "AccessDenied" || status === 403
                ? "denied"
                : status !== undefined && status >= 500
                  ? "unreachable"
                  : "failed";
    return { reason, remote: this.spec.name, action, detail };
  }

  async check(): Promise<Result<void, RemoteError>> {
    try {
      await this.client.send(new ListObjectsV2Command({ Bucket: this.spec.bucket, Prefix: this.spec.prefix, MaxKeys: 1 }));
      return ok(undefined);
    } catch (error) {
      return err(this.fail(`list s3://${this.spec.bucket}/${this.spec.prefix}`, error));
    }
  }

  async stat(name: string): Promise<Result<RemoteObject | undefined, RemoteError>> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.spec.bucket, Key: this.key(name) }));
      return ok({ name, size: head.ContentLength ?? 0, modified: head.LastModified?.getTime() ?? 0 });
    } catch (error) {
      const e = error as Partial<S3ServiceException>;
      if (e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404) return ok(undefined);
      return err(this.fail(`look up ${name}`, error));
    }
  }

  async putFile(name: string, file: string, onBytes: OnBytes): Promise<Result<void, RemoteError>> {
    // One PutObject below the part size, else a multipart upload: either way the object appears only when complete;
    // a failed multipart upload is aborted (leavePartsOnError false), a killed one is never completed, so never visible.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.spec.bucket, Key: this.key(name), Body: createReadStream(file, { highWaterMark: PART_BYTES }) },
      partSize: PART_BYTES,
      queueSize: PART_QUEUE,
      leavePartsOnError: false,
    });
    let seen = 0;
    upload.on("httpUploadProgress", (progress) => {
      const loaded = progress.loaded ?? 0;
      if (loaded > seen) {
        onBytes(loaded - seen);
        seen = loaded;
      }
    });
    try {
      await upload.done();
      return ok(undefined);
    } catch (error) {
      return err(this.fail(`upload ${name}`, error));
    }
  }

  async putText(name: string, text: string): Promise<Result<void, RemoteError>> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.spec.bucket, Key: this.key(name), Body: text, ContentType: "application/json" }));
      return ok(undefined);
    } catch (error) {
      return err(this.fail(`upload ${name}`, error));
    }
  }

  async read(name: string): Promise<Result<Readable | undefined, RemoteError>> {
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.spec.bucket, Key: this.key(name) }));
      return ok(got.Body as Readable);
    } catch (error) {
      const e = error as Partial<S3ServiceException>;
      if (e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404 && e.name !== "NoSuchBucket") return ok(undefined);
      return err(this.fail(`download ${name}`, error));
    }
  }

  async readText(name: string): Promise<Result<string | undefined, RemoteError>> {
    const body = await this.read(name);
    if (!body.ok || body.value === undefined) return body as Result<undefined, RemoteError>;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of body.value) chunks.push(chunk as Buffer);
      return ok(Buffer.concat(chunks).toString("utf8"));
    } catch (error) {
      return err(this.fail(`download ${name}`, error));
    }
  }

  async list(prefix: string): Promise<Result<RemoteObject[], RemoteError>> {
    const out: RemoteObject[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.spec.bucket, Prefix: this.key(prefix), ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined) continue;
          out.push({ name: object.Key.slice(this.spec.prefix.length), size: object.Size ?? 0, modified: object.LastModified?.getTime() ?? 0 });
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return ok(out.sort((a, b) => (a.name < b.name ? -1 : 1)));
    } catch (error) {
      return err(this.fail(`list ${prefix}`, error));
    }
  }

  async sweepIncomplete(before: number, dryRun: boolean): Promise<Result<{ readonly count: number; readonly bytes: number }, RemoteError>> {
    let count = 0;
    let keyMarker: string | undefined;
    let uploadMarker: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.spec.bucket, Prefix: this.spec.prefix, KeyMarker: keyMarker, UploadIdMarker: uploadMarker }));
        for (const upload of page.Uploads ?? []) {
          if (upload.Key === undefined || upload.UploadId === undefined || (upload.Initiated?.getTime() ?? 0) >= before) continue;
          count += 1;
          if (!dryRun) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.spec.bucket, Key: upload.Key, UploadId: upload.UploadId }));
        }
        const more = page.IsTruncated === true;
        keyMarker = more ? page.NextKeyMarker : undefined;
        uploadMarker = more ? page.NextUploadIdMarker : undefined;
      } while (keyMarker !== undefined);
      // The parts' sizes would cost a request per upload: only the count is reported.
      return ok({ count, bytes: 0 });
    } catch (error) {
      return err(this.fail(`list incomplete uploads of s3://${this.spec.bucket}/${this.spec.prefix}`, error));
    }
  }

  async remove(names: readonly string[]): Promise<Result<void, RemoteError>> {
    for (const name of names) {
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.spec.bucket, Key: this.key(name) }));
      } catch (error) {
        return err(this.fail(`remove ${name}`, error));
      }
    }
    return ok(undefined);
  }
}
