/**
 * --step, as ansible-playbook's: before a task runs, the operator is asked
 * "Perform task: TASK: NAME (N)o/(y)es/(c)ontinue: ". y runs it, c runs it and
 * every task after it without asking, anything else (the default, N) skips it.
 *
 * Ansible's linear strategy moves all hosts through a task together, so it asks
 * once per task. provision's hosts run independently; to keep Ansible's
 * meaning, the question is asked once per task (its place in the playbook),
 * the first time any host reaches it, and the answer applies to every host:
 * hosts that reach the task meanwhile wait for the answer, and hosts that
 * reach it later take it without asking again.
 */

export type StepAnswer = 'yes' | 'no' | 'continue';

/** Ansible's reading of the reply (`_take_step`): y/yes, c/continue, any case; anything else is No. */
export function stepAnswer(reply: string): StepAnswer {
  const r = reply.toLowerCase();
  if (r === 'y' || r === 'yes') return 'yes';
  if (r === 'c' || r === 'continue') return 'continue';
  return 'no';
}

/** Ansible's question: its `repr` of a task (`TASK: name`) or a handler (`HANDLER: name`). */
export function stepQuestion(task: string, handler: boolean): string {
  return `Perform task: ${handler ? 'HANDLER' : 'TASK'}: ${task} (N)o/(y)es/(c)ontinue: `;
}

/** Asks one question and resolves to the reply line, or null when no reply can come (end of input). */
export type Ask = (question: string) => Promise<string | null>;

/** The one --step gate of a run, shared by every host. */
export class StepGate {
  private readonly answers = new Map<string, Promise<boolean | null>>();
  /** Questions are asked one at a time, in the order hosts reach their tasks. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Set by a `c` answer: every task not asked yet runs. */
  private continuing = false;

  constructor(private readonly ask: Ask) {}

  /**
   * Whether the task `key` (the same for every host) runs: true yes, false
   * skip, null when the operator can no longer answer (input ended).
   */
  take(key: string, task: string, handler: boolean): Promise<boolean | null> {
    let answer = this.answers.get(key);
    if (!answer) {
      answer = this.queue.then(async () => {
        if (this.continuing) return true;
        const reply = await this.ask(stepQuestion(task, handler));
        if (reply === null) return null;
        const a = stepAnswer(reply);
        if (a === 'continue') this.continuing = true;
        return a !== 'no';
      });
      this.queue = answer;
      this.answers.set(key, answer);
    }
    return answer;
  }
}
