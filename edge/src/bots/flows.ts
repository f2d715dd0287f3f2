import type { JobContext } from "../images/generate.js";
import * as discord from "./discord.js";
import * as slack from "./slack.js";
import { editDiscordOriginal, postToSlack, type DiscordTarget } from "./followups.js";
import { imagine, summary, type ImagineInput } from "./imagine.js";
import { storePublicImage } from "./publicImages.js";

/** What runs after each bot's acknowledgement (in `waitUntil`): draw, then deliver the image or the reason. */

const couldNot = (message: string) => `Could not draw that: ${message}`;

export async function drawForDiscord(job: JobContext, target: DiscordTarget, input: ImagineInput): Promise<boolean> {
  const result = await imagine(job, input);
  if (!result.ok) return editDiscordOriginal(target, discord.textMessage(couldNot(result.message)));
  const filename = `understudy-${result.explanation.seed}.png`;
  const message = discord.imageMessage(result.prompt, summary(result.explanation), filename);
  return editDiscordOriginal(target, message, { bytes: new Uint8Array(result.png), filename });
}

/** `origin` is the edge's own, as Slack reached it, so the image link points back here. */
export async function drawForSlack(job: JobContext, responseUrl: string, input: ImagineInput, origin: string): Promise<boolean> {
  const result = await imagine(job, input);
  if (!result.ok) return postToSlack(responseUrl, { ...slack.ephemeral(couldNot(result.message)), replace_original: false });
  const id = await storePublicImage(job.env.IMAGES, result.png);
  return postToSlack(responseUrl, slack.imageMessage(result.prompt, summary(result.explanation), `${origin}/bots/images/${id}`));
}
