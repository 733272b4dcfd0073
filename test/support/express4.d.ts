// The devDependency `express4` is Express 4 installed under another name (npm alias), so both major
// versions are tested side by side. Its API is typed like Express's.
declare module 'express4' {
  import express from 'express';
  export default express;
}
