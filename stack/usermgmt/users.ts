/**
 * The user-management API's users in the local stack: the platform test user, by its token.
 *
 * @module
 */

import { CLEARML_USER, PLATFORM_S3, USER_TOKEN, USERNAME } from "../config.ts";
import type { UserRecord } from "./handler.ts";

/** The stack's users by token: `USER_TOKEN` -> the platform test user's credentials. */
export function stackUsers(): Map<string, UserRecord> {
  return new Map([[USER_TOKEN, {
    username: USERNAME,
    metadata: {
      s3_access_key: PLATFORM_S3.accessKey,
      s3_secret_key: PLATFORM_S3.secretKey,
      s3_bucket: PLATFORM_S3.bucket,
      clearml_access_key: CLEARML_USER.accessKey,
      clearml_secret_key: CLEARML_USER.secretKey,
    },
  }]]);
}
