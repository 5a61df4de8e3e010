/** The chat page (issue 15). */
export function ChatPage() {
  return (
    <section>
      <h1>Chat</h1>
      <p>Not built yet.</p>
    </section>
  );
}
