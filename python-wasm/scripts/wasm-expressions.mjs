// The child expressions of a binaryen expression, for the post-link passes that walk function
// bodies (instrument-fuel.mjs, dirty-chunks.mjs). An expression kind not listed here makes the
// walk throw, so a pass can never skip code it does not understand.
import binaryen from 'binaryen';

const I = binaryen;
const LEAVES = new Set([I.NopId, I.LocalGetId, I.GlobalGetId, I.ConstId, I.MemorySizeId,
  I.UnreachableId, I.DataDropId, I.RefNullId, I.RefFuncId, I.TableSizeId, I.PopId, I.RethrowId]);

/** Children in evaluation order (absent optional children as 0); `pass` names the caller in errors. */
export function children(e, pass) {
  const id = I.getExpressionId(e);
  if (LEAVES.has(id)) return [];
  const x = I.getExpressionInfo(e);
  switch (id) {
    case I.BlockId: return x.children;
    case I.IfId: return [x.condition, x.ifTrue, x.ifFalse];
    case I.LoopId: return [x.body];
    case I.BreakId: return [x.value, x.condition];
    case I.SwitchId: return [x.value, x.condition];
    case I.CallId: return x.operands;
    case I.CallIndirectId: return [...x.operands, x.target];
    case I.LocalSetId: case I.GlobalSetId: case I.UnaryId: case I.DropId: case I.ReturnId:
      return [x.value];
    case I.LoadId: return [x.ptr];
    case I.StoreId: return [x.ptr, x.value];
    case I.BinaryId: return [x.left, x.right];
    case I.SelectId: return [x.ifTrue, x.ifFalse, x.condition];
    case I.MemoryGrowId: return [x.delta];
    case I.MemoryCopyId: return [x.dest, x.source, x.size];
    case I.MemoryFillId: return [x.dest, x.value, x.size];
    case I.MemoryInitId: return [x.dest, x.offset, x.size];
    // Legacy exception handling (clang-19's -fwasm-exceptions and setjmp/longjmp lowering):
    // a try's body, then its catch bodies (which begin with a pop of the thrown value).
    case I.TryId: return [x.body, ...x.catchBodies];
    case I.ThrowId: return x.operands;
    default:
      throw new Error(`${pass}: unhandled expression id ${id}`);
  }
}
